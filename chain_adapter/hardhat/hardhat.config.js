// Hardhat Network only: nothing is compiled here (the anchor registry is compiled by Vyper and
// deployed by the node itself). Chain id 31337; blocks are mined per transaction.
module.exports = {
  networks: {
    hardhat: { chainId: 31337, mining: { auto: true } },
  },
};
