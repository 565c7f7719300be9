// The shared-secret handshake: each side proves it knows the secret by an
// HMAC-SHA256 over both sides' fresh nonces, so the secret never crosses the
// wire and a recorded handshake cannot be replayed.
//
//   supervisor -> worker   hello {nonce: Ns}
//   worker -> supervisor   hello {nonce: Nw, proof: HMAC(K, "worker" Ns Nw)}
//   supervisor -> worker   auth  {proof: HMAC(K, "supervisor" Nw Ns)}
//
// A worker runs nothing before a valid auth; a supervisor sends nothing to a
// worker whose proof is wrong or missing. Every later frame carries a MAC made
// with a key derived from the secret and both nonces (DeriveSessionKeys,
// protocol/frame_integrity.h): the worker's from its hello on, the
// supervisor's from its auth on.
#ifndef GTEST_DIST_PROTOCOL_AUTH_H_
#define GTEST_DIST_PROTOCOL_AUTH_H_

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace gtest_dist {

// Fewer bytes than this is a guessable secret: refused.
constexpr std::size_t kMinSecretBytes = 16;

// 32 random bytes from OpenSSL's CSPRNG, hex.
std::string NewNonce();

// The proofs, hex. `role` is "worker" or "supervisor": a proof made for one
// direction is useless in the other.
std::string WorkerProof(const std::string& secret, const std::string& supervisor_nonce,
                        const std::string& worker_nonce);
std::string SupervisorProof(const std::string& secret, const std::string& worker_nonce,
                            const std::string& supervisor_nonce);

// The keys that authenticate the frames after the handshake, one per
// direction (raw, 32 bytes each): HKDF-SHA256 of the secret, salted with both
// nonces. Fresh nonces make fresh keys, so frames of one connection are
// worthless on another.
struct SessionKeys {
  std::string supervisor_to_worker;
  std::string worker_to_supervisor;
};
SessionKeys DeriveSessionKeys(const std::string& secret, const std::string& supervisor_nonce,
                              const std::string& worker_nonce);

// HMAC-SHA256 of the concatenated parts, raw (32 bytes).
std::string HmacSha256(std::string_view key, std::initializer_list<std::string_view> data);

// Compares in time independent of where the strings differ.
bool ProofsEqual(const std::string& a, const std::string& b);

// Reads a secret file given with `flag` (--dist-secret-file,
// --dist-dashboard-token-file, --token-file). Trailing newlines are dropped.
// On a missing, unreadable or too short file, or one that group or others may
// access (as ssh refuses such a key), returns false with a message naming the
// flag, the file, its mode and the fix. A secret that looks guessable
// (SecretLooksWeak) is accepted with a message in `*warning` (when given).
bool ReadSecretFile(const std::string& path, std::string* secret, std::string* error,
                    const std::string& flag = "--dist-secret-file", std::string* warning = nullptr);

// True for a secret with little entropy by a rough estimate (its length times
// the Shannon entropy of its characters is under 80 bits): a repeated
// character, a word and a few digits. Whoever speaks first in the handshake
// reveals a value that can be checked offline against guesses of the secret.
bool SecretLooksWeak(const std::string& secret);

// A fresh secret: 32 bytes from OpenSSL's CSPRNG, hex (64 characters).
std::string NewSecret();

}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_AUTH_H_
