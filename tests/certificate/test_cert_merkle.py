"""RFC 6962 trees: every size, every index, every pair of sizes, against the RFC's definitions."""

from __future__ import annotations

import hashlib

import pytest

from certificate import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    ProofLengthError,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from certificate.exceptions import MerkleRangeError
from certificate.merkle import root_from_leaf_hashes

# The reference tree of transparency-dev/merkle (Apache-2.0): its eight leaf entries and the root
# of each prefix, as published with RFC 6962's reference implementation.
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# --- RFC 6962 §2.1, transcribed literally (slow, obviously correct) -------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(entries: list[bytes]) -> bytes:
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = _k(len(entries))
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def path(m: int, entries: list[bytes]) -> list[bytes]:
    if len(entries) == 1:
        return []
    k = _k(len(entries))
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def subproof(m: int, entries: list[bytes], complete: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if complete else [mth(entries)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, entries[:k], complete), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def entries_of(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") for i in range(n)]


# --- tests ---------------------------------------------------------------------------------


def test_reference_roots_of_the_rfc_tree() -> None:
    for size in range(1, 9):
        assert MerkleTree.from_entries(LEAVES[:size]).root.hex() == ROOTS[size - 1]
        assert root_from_leaf_hashes([leaf_hash(e) for e in LEAVES[:size]]).hex() == ROOTS[size - 1]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert MerkleTree([]).root == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert MerkleTree([]).size == 0


def test_node_and_leaf_hashes_are_prefixed() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


def test_every_inclusion_proof_of_every_tree_up_to_300() -> None:
    entries = entries_of(300)
    hashes = [leaf_hash(e) for e in entries]
    for size in range(1, 301):
        tree = MerkleTree(hashes[:size])
        root = tree.root
        assert root == mth(entries[:size]) if size <= 64 or size % 37 == 0 else True
        for index in range(size):
            proof = tree.inclusion_proof(index)
            verify_inclusion(hashes[index], index, size, proof, root)
            if size <= 40:
                assert proof == path(index, entries[:size])


def test_proofs_for_earlier_sizes_of_a_bigger_tree() -> None:
    entries = entries_of(70)
    tree = MerkleTree.from_entries(entries)
    for size in range(1, 71):
        assert tree.root_at(size) == mth(entries[:size])
        for index in range(0, size, 3):
            assert tree.inclusion_proof(index, size) == path(index, entries[:size])
    assert tree.root_at(0) == EMPTY_ROOT


def test_every_consistency_proof_between_sizes_up_to_64() -> None:
    entries = entries_of(64)
    tree = MerkleTree.from_entries(entries)
    roots = [tree.root_at(size) for size in range(65)]
    for size2 in range(1, 65):
        for size1 in range(1, size2 + 1):
            proof = tree.consistency_proof(size1, size2)
            assert proof == subproof(size1, entries[:size2], True)
            verify_consistency(size1, size2, proof, roots[size1], roots[size2])
            if proof:
                with pytest.raises(ProofError):
                    verify_consistency(size1, size2, proof, roots[size1], roots[size2 - 1])
                tampered = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
                with pytest.raises(ProofError):
                    verify_consistency(size1, size2, tampered, roots[size1], roots[size2])


def test_tampered_inclusion_proofs_fail() -> None:
    tree = MerkleTree.from_entries(entries_of(13))
    leaf = leaf_hash(entries_of(13)[6])
    proof = tree.inclusion_proof(6)
    for position in range(len(proof)):
        for bit in (0, 7):
            bad = list(proof)
            bad[position] = bytes([bad[position][0] ^ (1 << bit)]) + bad[position][1:]
            with pytest.raises(ProofError):
                verify_inclusion(leaf, 6, 13, bad, tree.root)
    with pytest.raises(ProofLengthError):
        verify_inclusion(leaf, 6, 13, proof[:-1], tree.root)
    with pytest.raises(ProofLengthError):
        verify_inclusion(leaf, 6, 13, [*proof, proof[0]], tree.root)
    with pytest.raises(ProofLengthError):
        verify_inclusion(leaf, 6, 13, [proof[0][:31], *proof[1:]], tree.root)
    with pytest.raises(ProofLengthError):
        verify_inclusion(leaf[:31], 6, 13, proof, tree.root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, 13, 13, proof, tree.root)
    assert root_from_inclusion_proof(leaf, 6, 13, proof) == tree.root


def test_consistency_edge_cases() -> None:
    root = MerkleTree.from_entries(entries_of(3)).root
    verify_consistency(3, 3, [], root, root)
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_consistency(0, 3, [], EMPTY_ROOT, root)
    with pytest.raises(ProofError):
        verify_consistency(3, 2, [], root, root)
    with pytest.raises(ProofLengthError):
        verify_consistency(3, 3, [root], root, root)
    with pytest.raises(ProofLengthError):
        verify_consistency(2, 3, [], root, root)


def test_requests_outside_the_tree_are_refused() -> None:
    tree = MerkleTree.from_entries(entries_of(5))
    for call in (
        lambda: tree.inclusion_proof(5),
        lambda: tree.inclusion_proof(-1),
        lambda: tree.inclusion_proof(0, 6),
        lambda: tree.consistency_proof(0),
        lambda: tree.consistency_proof(4, 3),
        lambda: tree.root_at(6),
    ):
        with pytest.raises(MerkleRangeError):
            call()
    with pytest.raises(ProofLengthError):
        MerkleTree([b"short"])


def test_an_audit_path_does_not_pin_the_tree_size() -> None:
    """Why verifiers must compare a receipt's tree_size with the count anchored on chain."""
    tree = MerkleTree.from_entries(entries_of(5))
    leaf = leaf_hash(entries_of(5)[0])
    proof = tree.inclusion_proof(0)
    verify_inclusion(leaf, 0, 5, proof, tree.root)
    verify_inclusion(leaf, 0, 6, proof, tree.root)
