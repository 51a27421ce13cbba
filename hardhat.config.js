// Hardhat 2 for contract developers: `npx hardhat compile`, `npx hardhat test`, consoles.
//
// The compiler version and settings come from ledger/compiler_settings.json, the same file the
// Python toolchain (ledger/compiler.py) reads, so both produce byte-identical bytecode, metadata
// hash included. The runtime never uses Hardhat's output: it loads ledger/artifacts/, which
// scripts/compile_contracts.py regenerates.
//
// Offline: the compiler is the npm `solc` package (solcjs) from node_modules, handed to Hardhat
// by overriding the subtask that would otherwise download a compiler build.
//
// Hardhat's own artifacts and cache go to var/hardhat/ (ignored by git), or to
// $HUREN_HARDHAT_DIR when set (the tests point it at a temporary folder).
"use strict";

const path = require("path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const pinned = require("./ledger/compiler_settings.json");

const outputDir = process.env.HUREN_HARDHAT_DIR
  ? path.resolve(process.env.HUREN_HARDHAT_DIR)
  : path.join(__dirname, "var", "hardhat");

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }) => {
  if (solcVersion !== pinned.solcVersion) {
    throw new Error(
      `huren compiles offline with the npm solc ${pinned.solcVersion} only; ` +
        `a compiler ${solcVersion} was requested (see ledger/compiler_settings.json)`,
    );
  }
  const solc = require("solc");
  // solcjs reports e.g. "0.8.37+commit.f401782d.Emscripten.clang"; Hardhat wants the long
  // version without the platform suffix, as in the official build list.
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "");
  if (!longVersion.startsWith(`${solcVersion}+`)) {
    throw new Error(`node_modules/solc is ${longVersion}, expected ${solcVersion}; run npm ci`);
  }
  return {
    version: solcVersion,
    longVersion,
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
  };
});

/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  solidity: {
    version: pinned.solcVersion,
    // A copy: Hardhat adds its outputSelection to the object it is given.
    settings: structuredClone(pinned.settings),
  },
  paths: {
    root: __dirname,
    sources: "./contracts",
    tests: "./test",
    artifacts: path.join(outputDir, "artifacts"),
    cache: path.join(outputDir, "cache"),
  },
  networks: {
    // The in-process network of `npx hardhat test`; the hardfork matches evmVersion.
    hardhat: {
      hardfork: pinned.settings.evmVersion,
      chainId: 31337,
    },
    // A local anvil, e.g. `npx anvil --hardfork cancun` (listens on 127.0.0.1:8545).
    localhost: {
      url: "http://127.0.0.1:8545",
      chainId: 31337,
    },
  },
};
