'use strict';
// The subset of the native `solc` command line that py-solc-x uses, served by the npm `solc`
// package (solcjs, WebAssembly): `--version`, `--help` and `--standard-json` (input on stdin,
// output on stdout). Other options are refused.
//
// The npm package is looked up in $HUREN_NODE_MODULES, then in the repository's node_modules
// (two levels above this file), then in node_modules folders above the working directory.
//
// Output is written with process.stdout.write and the process is left to end by itself: calling
// process.exit() right after writing cuts piped output at 64 KiB.

const fs = require('fs');
const path = require('path');

function nodeModulesCandidates() {
  const candidates = [];
  if (process.env.HUREN_NODE_MODULES) candidates.push(process.env.HUREN_NODE_MODULES);
  candidates.push(path.resolve(__dirname, '..', '..', 'node_modules'));
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'node_modules'));
    if (path.dirname(dir) === dir) break;
  }
  return candidates;
}

function loadSolc() {
  for (const dir of nodeModulesCandidates()) {
    if (fs.existsSync(path.join(dir, 'solc', 'soljson.js'))) {
      return require(path.join(dir, 'solc'));
    }
  }
  process.stderr.write(
    'Error: the npm package "solc" was not found; run `npm ci` or set HUREN_NODE_MODULES\n');
  process.exitCode = 2;
  return null;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { data += chunk; });
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

const USAGE = `solc (solcjs shim for huren)

Usage: solc --standard-json < input.json

  --version        Print the compiler version.
  --help           Print this help.
  --standard-json  Read Standard JSON input from stdin, write Standard JSON output to stdout.
`;

async function main(args) {
  if (args.length === 1 && args[0] === '--version') {
    const solc = loadSolc();
    if (solc === null) return;
    // The exact format of the native compiler's `solc --version`.
    process.stdout.write(
      `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  } else if (args.length === 1 && args[0] === '--help') {
    process.stdout.write(USAGE);
  } else if (args.length === 1 && args[0] === '--standard-json') {
    const input = await readStdin();
    const solc = loadSolc();
    if (solc === null) return;
    process.stdout.write(solc.compile(input) + '\n');
  } else {
    process.stderr.write(`Error: unsupported arguments: ${args.join(' ')}\n\n${USAGE}`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`Error: ${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
