"""The proof cache: shipped file read-only, new proofs in the user's cache, shipped file current."""

import dataclasses

from adcheck.identities import IDENTITIES, proofs


def test_new_proofs_go_to_the_user_cache_never_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("ADCHECK_CACHE_DIR", str(tmp_path))
    shipped = proofs.SHIPPED_FILE.read_bytes()
    rec = dataclasses.replace(IDENTITIES["B1.gram-gradient"], id="user.copy")
    result = proofs.status(rec, use_cache=False)
    assert proofs.SHIPPED_FILE.read_bytes() == shipped
    stored = proofs._read(tmp_path / "proofs.json")
    assert stored[proofs.fingerprint(rec)]["status"] == result.status


def test_user_cache_is_read_back_by_fingerprint(tmp_path, monkeypatch):
    monkeypatch.setenv("ADCHECK_CACHE_DIR", str(tmp_path))
    rec = dataclasses.replace(IDENTITIES["B1.gram-gradient"], id="user.copy2")
    proofs._store(proofs.fingerprint(rec), proofs.ProofStatus("fixed-size", "planted", 0.0))
    assert proofs._cached(rec.id, proofs.fingerprint(rec)).detail == "planted"
    assert proofs._cached(rec.id, "another-fingerprint") is None


def test_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ADCHECK_CACHE_DIR", str(blocker / "sub"))
    proofs._store("k", proofs.ProofStatus("numeric", "x", 0.0))  # no raise


def test_shipped_proofs_match_the_catalogue():
    """Every catalogue record has a shipped proof with its current fingerprint (`make proofs`)."""
    shipped = proofs._read(proofs.SHIPPED_FILE)
    stale = [rid for rid, rec in IDENTITIES.items()
             if shipped.get(rid, {}).get("fingerprint") != proofs.fingerprint(rec)]
    assert not stale, f"run `make proofs` to refresh the shipped proofs of {stale}"
