# pragma version 0.4.3
"""
@title Anchor registry of the regional health data space
@notice Records SM3 digests (of signed usage contracts, of Merkle roots over audit entries, of model
        files) with the block that included them. A digest is anchored once; the first write wins.
"""

struct Anchor:
    kind: String[32]
    ref: String[128]
    submitter: address
    block_number: uint256
    timestamp: uint256

event Anchored:
    digest: indexed(bytes32)
    submitter: indexed(address)
    kind: String[32]
    ref: String[128]
    timestamp: uint256

anchors: public(HashMap[bytes32, Anchor])
count: public(uint256)


@external
def anchor(digest: bytes32, kind: String[32], ref: String[128]):
    assert digest != empty(bytes32), "empty digest"
    assert self.anchors[digest].block_number == 0, "already anchored"
    self.anchors[digest] = Anchor(
        kind=kind, ref=ref, submitter=msg.sender, block_number=block.number, timestamp=block.timestamp
    )
    self.count += 1
    log Anchored(digest=digest, submitter=msg.sender, kind=kind, ref=ref, timestamp=block.timestamp)
