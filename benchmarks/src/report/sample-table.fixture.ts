import type { StaticTable } from '../runner/static-table.js';

/** A hit-ratio-like static table: a text column, number columns with units, a blank, notes. */
export const sampleTable: StaticTable = {
  title: 'Hit ratio',
  description: 'Replayed once per policy.',
  columns: [
    { label: 'trace' },
    { label: 'size', digits: 0 },
    { label: 'lru', unit: '%' },
    { label: 'reference', unit: '%' },
    { label: 'verdict' },
  ],
  rows: [
    ['loop', 500, 0, 48.8, '✗ 1.2 below | reference'],
    ['multi2', 2000, 49.04, null, '✓ met'],
  ],
  notes: ['optimum: Belady.'],
};
