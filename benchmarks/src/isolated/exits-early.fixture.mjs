// Test-only child entry that fails before reporting, as a crashing child would.
console.log('starting');
console.error('something broke');
process.exit(3);
