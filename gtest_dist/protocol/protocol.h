// The wire protocol, in one place: message types, their JSON names, framing,
// the version constant and the size limits. Supervisor <-> worker over TCP and
// worker <-> child over a socketpair speak the same frames.
//
// A frame is a 4-byte big-endian payload length followed by that many bytes of
// UTF-8 JSON: one object whose "type" names the message; or, for the two
// messages every test sends, a compact payload (below). Message and field
// names, and the compact layout, are frozen: a change to them is a change of
// kProtocolVersion.
#ifndef GTEST_DIST_PROTOCOL_PROTOCOL_H_
#define GTEST_DIST_PROTOCOL_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gtest_dist/model/test_record.h"

namespace gtest_dist {
namespace protocol {

// Bumped on every incompatible change; the hello carries it and a mismatch
// names both versions. 2: the worker's identity moved to "ready", sent after
// authentication; frames after a shared-secret handshake carry a MAC
// (protocol/frame_integrity.h); "refusal" has "busy". 3: "ready" has
// "build_cache"; a build is shipped with "manifest", "build_want", "blob" and
// "build_ready". 4: a worker sends a test's outputs as "artifact" pieces
// (--dist-artifacts), which a version-3 supervisor would take for a broken
// peer. 5: a supervisor cuts a running chunk's unstarted tail with
// "cut_chunk", answered by "chunk_cut" (tail control); a worker forwards
// each suite's set-up and tear-down times as "suite_timing". 6: "test_started"
// and "test_finished" may come in the compact layout below, which a version-5
// peer cannot read.
constexpr int kProtocolVersion = 6;
// Largest payload accepted from a peer that has passed the handshake, checked
// before a byte of it is buffered.
constexpr std::uint32_t kMaxFrameBytes = 64u << 20;
// Largest payload accepted before that (hello, auth, ready, refusal): a hello
// is a few hundred bytes, and a stranger must not make a worker buffer more.
constexpr std::uint32_t kMaxHandshakeFrameBytes = 4u << 10;
// A run_chunk names at most this many tests, each at most once. The
// scheduler never hands out more in one chunk.
constexpr std::size_t kMaxChunkTests = 1u << 18;
// Bounds on a payload's JSON, checked before it is parsed: the parsed tree
// costs tens of bytes per value, so these bound the memory one frame can
// take. Real messages nest 3 deep; a chunk of kMaxChunkTests tests is the
// largest in values.
constexpr int kMaxJsonDepth = 16;
constexpr std::size_t kMaxJsonValues = 1u << 20;
// Output sent with one event is cut to this many bytes (head and tail kept).
constexpr std::size_t kMaxOutputBytesPerEvent = 1u << 20;
constexpr std::size_t kFrameHeaderBytes = 4;
// Supervisor and worker each send a heartbeat this often once connected; a
// peer silent for the heartbeat timeout (--dist-heartbeat-timeout, at least
// 2 intervals) is taken for gone.
constexpr int kHeartbeatIntervalMs = 1000;

// What identifies a test binary: workers must match the supervisor.
struct Fingerprint {
  std::string binary_digest;  // SHA-256 of the executable
  std::string names_digest;   // SHA-256 of the ordered test names
  int test_count = 0;
};

// First message each way. The supervisor sends role "supervisor" and its
// identity (host, binary, fingerprint); a worker answers with role "worker"
// and only what the handshake needs (protocol, nonce, proof), or with a
// Refusal: it says who it is in Ready, once the supervisor has proved itself.
struct Hello {
  int protocol = kProtocolVersion;
  std::string role;
  std::string host;         // the sender's host name, for messages and reports
  std::string binary_name;  // argv[0]'s base name
  int slots = 0;            // 0 from both sides (a worker's slots are in Ready)
  Fingerprint fingerprint;  // empty from a worker
  // The shared-secret handshake (protocol/auth.h): a fresh nonce from each
  // side; the worker's proof answers the supervisor's nonce. Empty when the
  // sender has no secret.
  std::string nonce;
  std::string proof;
};

// Supervisor -> worker after the worker's hello, when a secret is in use:
// the supervisor's proof over the worker's nonce.
struct Auth {
  std::string proof;
};

// Worker -> supervisor once the supervisor is authenticated (or at once when
// the worker has no secret): who the worker is. Nothing identifying crosses
// the wire before it.
struct Ready {
  std::string host;
  std::string binary_name;  // argv[0]'s base name
  int slots = 0;            // chunks it runs at once
  Fingerprint fingerprint;
  // A generic worker (`gtest_dist worker`): it holds no test binary (its
  // fingerprint is empty) and takes the supervisor's build in a Manifest.
  bool build_cache = false;
};

// Sent instead of (or after) a Hello when the peer cannot be served; the
// connection is closed after it. `busy`: the refusal is temporary (a worker
// serving as many supervisors as it takes): try again later, or elsewhere.
struct Refusal {
  std::string reason;
  bool busy = false;
};

// gtest flags the children must honour, as "name" (without --gtest_) and value.
using GtestSettings = std::vector<std::pair<std::string, std::string>>;

// Supervisor -> worker -> child: run these tests (catalog indices, in order).
struct RunChunk {
  std::int64_t chunk_id = 0;
  std::vector<int> tests;
  GtestSettings settings;
  // --dist-env: set in the test process's environment ("env", absent when
  // empty). Checked with CheckChildEnvironment on both sides.
  std::vector<std::pair<std::string, std::string>> env;
};

// Bounds of RunChunk::env, checked before a worker uses it.
constexpr std::size_t kMaxChildEnvEntries = 256;
constexpr std::size_t kMaxChildEnvNameBytes = 256;
constexpr std::size_t kMaxChildEnvValueBytes = 64u << 10;

// Whether NAME=VALUE may be set in a test process's environment: NAME is
// letters, digits and '_' (not first a digit), at most kMaxChildEnvNameBytes;
// VALUE holds no NUL, at most kMaxChildEnvValueBytes; NAME is none the runner
// sets itself (GTEST_DIST_INTERNAL_*, TEST_TMPDIR, TMPDIR). False with
// `error` naming the variable and the problem otherwise.
bool CheckChildEnvironment(const std::string& name, const std::string& value, std::string* error);

// The events of a chunk, child -> worker -> supervisor. `chunk_id` is 0 from
// the child; the worker fills it in.
struct TestStarted {
  std::int64_t chunk_id = 0;
  int index = -1;
  std::string output_before;  // printed since the previous event
};

// One assertion result or skip. `index` is -1 outside a test: then `suite`
// names the suite (SetUpTestSuite/TearDownTestSuite) or is empty (a global
// Environment).
struct TestPartReported {
  std::int64_t chunk_id = 0;
  int index = -1;
  std::string suite;
  TestPart part;
};

// A test's end. `record.parts` is empty on the wire: the parts came before as
// TestPartReported. A worker also sends one for a test whose child died
// (kCrashed, with `record.reason`).
struct TestFinished {
  std::int64_t chunk_id = 0;
  TestRecord record;
};

// The compact form (issue 15). EncodePayload writes test_started and
// test_finished in a fixed layout instead of JSON: a run of 100,000 small
// tests sends 200,000 of them, and a JSON tree per event cost the supervisor
// more than the tests. DecodePayload takes either form of them: a payload
// whose first byte is one of these tags is compact; a JSON payload starts
// with '{' (or white space). Integers are unsigned big-endian; text is a u32
// byte count, then that many bytes of UTF-8 (RFC 3629, as JSON; the encoder
// replaces bad bytes as the JSON form does). Every field is present, in this
// order, and nothing follows the last:
//   test_started  (0x01): u64 chunk_id, u32 index, text output_before
//   test_finished (0x02): u64 chunk_id, u32 index, u8 outcome, u8 flags,
//                         u64 elapsed_ms, u64 start_timestamp_ms,
//                         u32 cleared_parts, u32 property count, then each
//                         property as text name, text value; text
//                         output_after, text worker, text reason
// outcome: 0 PASSED, 1 FAILED, 2 SKIPPED, 3 CRASHED, 4 TIMEOUT, 5 NOT_RUN
// (FLAKY only a supervisor assigns); flags: bit 0 is "ran", the others are 0.
// Bounds as in JSON: chunk_id and the times at most INT64_MAX, index and
// cleared_parts at most 2^30; a property count no larger than the payload
// can hold. A malformed payload is refused naming the message and the field
// ("compact \"test_finished\" message: field \"worker\" ...").
constexpr unsigned char kCompactTestStarted = 0x01;
constexpr unsigned char kCompactTestFinished = 0x02;

// Suite-level properties (RecordProperty in SetUpTestSuite/TearDownTestSuite),
// or global ones when `suite` is empty.
struct PropertiesRecorded {
  std::int64_t chunk_id = 0;
  std::string suite;
  std::vector<Property> properties;
};

// What a suite's SetUpTestSuite and TearDownTestSuite took in one test
// process (issue 15), sent after the suite's TearDownTestSuite: one more piece
// of the suite costs this again, which the planner weighs before splitting it
// (schedule/suite_setup_costs.h) and the history keeps. `suite` empty: the
// global Environments' SetUp and TearDown, sent at the chunk's end. Times are
// what a listener sees: OnTestSuiteStart to the first OnTestStart, the last
// OnTestEnd to OnTestSuiteEnd.
struct SuiteTiming {
  std::int64_t chunk_id = 0;
  std::string suite;
  std::int64_t setup_ms = 0;
  std::int64_t teardown_ms = 0;
};
// Bounds of SuiteTiming: a longer name is not sent (the child checks), a
// time beyond a week is no real set-up.
constexpr std::size_t kMaxSuiteTimingNameBytes = 4096;
constexpr std::int64_t kMaxSuiteTimingMs = 7LL * 24 * 3600 * 1000;

// Every test of the chunk has a TestFinished; the slot is free.
struct ChunkFinished {
  std::int64_t chunk_id = 0;
};

// Tail control (run/tail_cut.h). Supervisor -> worker: a slot is idle, so
// the tests of the chunk from index `from_index` on (the chunk's tests run in
// ascending index) that have not started are to run elsewhere. The worker
// answers with one ChunkCut before the chunk's ChunkFinished, or with nothing
// when the chunk has already finished.
struct CutChunk {
  std::int64_t chunk_id = 0;
  int from_index = 0;
};

// Worker -> supervisor: the tests of the chunk that will not run there
// (ascending, each at most once; possibly none: the cut came too late). Only
// these go back to the supervisor's queue; any later event of the chunk
// about one of them is a broken peer's.
struct ChunkCut {
  std::int64_t chunk_id = 0;
  std::vector<int> tests;
};

// Sent both ways between supervisor and worker at a fixed interval, so that
// each side learns of a cut link within the heartbeat timeout even when no
// test event is due.
struct Heartbeat {};

// Shipping a build to a generic worker (after Ready, so after the
// handshake): the supervisor sends a Manifest, the worker answers with the
// digests its cache lacks (BuildWant), the supervisor sends each of them as
// Blob pieces in order, and the worker, once every file is verified and the
// build laid out, answers BuildReady (or a Refusal). Nothing runs before.

// Bounds on what a manifest may announce, checked when it is decoded.
constexpr std::size_t kMaxManifestFiles = 100000;
constexpr std::uint64_t kMaxShippedFileBytes = 64ull << 30;
constexpr std::size_t kMaxBuildPathBytes = 1024;
constexpr std::size_t kMaxBuildPathDepth = 32;
constexpr std::size_t kMaxManifestArgs = 1024;
// Bytes of a file in one Blob frame (before base64).
constexpr std::size_t kMaxBlobPieceBytes = 1u << 20;

// One file of a build. `path` is relative to the build's root: "bin/NAME"
// (the executable, exactly one), "lib/NAME" (a shared library, found by the
// loader first) or "work/..." (a --dist-files file, laid out below the
// children's working directory). CheckBuildPath() says what a path may be.
struct ManifestEntry {
  std::string path;
  std::string digest;  // SHA-256, 64 lowercase hex digits
  std::uint64_t size = 0;
  int mode = 0644;  // permission bits only (0 to 0777)
};

struct Manifest {
  std::vector<ManifestEntry> files;
  // The children's arguments after argv[0] (the supervisor's command line
  // without the dist flags).
  std::vector<std::string> args;
};

// Worker -> supervisor: the digests of the manifest that are not in the
// worker's cache, each once; the supervisor sends exactly these. A file that
// another supervisor is sending the worker at that moment is left out (the
// worker waits for that copy); should that upload fail, a further BuildWant
// asks for it, and the supervisor sends it after the rest. No digest is asked
// for twice.
struct BuildWant {
  std::vector<std::string> digests;
};

// Supervisor -> worker: `data` is the piece of the file with `digest` that
// starts at `offset`; pieces of a file come in order, then the next file.
struct Blob {
  std::string digest;
  std::uint64_t offset = 0;
  std::string data;  // raw bytes; base64 on the wire
};

// Worker -> supervisor: the build is in place; chunks may come. What the
// worker's cache holds afterwards, for the supervisor's report.
struct BuildReady {
  std::uint64_t cached_files = 0;
  std::uint64_t cached_bytes = 0;
};

// Test outputs (TEST_UNDECLARED_OUTPUTS_DIR, --dist-artifacts): worker ->
// supervisor, a file a test left in its outputs directory, in pieces in
// order, each file whole before the next, all before the test's
// TestFinished. The worker sends at most the run's per-test limit (the
// RunChunk setting "dist_artifacts_max"); the supervisor checks it again.
constexpr std::size_t kMaxArtifactPieceBytes = 1u << 20;  // before base64
constexpr std::size_t kMaxArtifactNameBytes = 512;
constexpr std::size_t kMaxArtifactNameDepth = 16;
constexpr std::uint64_t kMaxArtifactFileBytes = 16ull << 30;

struct TestArtifact {
  std::int64_t chunk_id = 0;
  int index = -1;
  // Relative to the test's outputs directory, normal form (CheckArtifactName).
  std::string name;
  std::uint64_t size = 0;  // the whole file
  std::uint64_t offset = 0;
  std::string data;  // raw bytes; base64 on the wire
};

// Empty when `name` may name a test's output file: relative, normal form (no
// "", "." or ".." component), at most kMaxArtifactNameBytes and
// kMaxArtifactNameDepth components, no control byte. Else what is wrong.
std::string CheckArtifactName(const std::string& name);

using Message =
    std::variant<Hello, Refusal, RunChunk, TestStarted, TestPartReported, TestFinished,
                 PropertiesRecorded, ChunkFinished, Heartbeat, Auth, Ready, Manifest, BuildWant,
                 Blob, BuildReady, TestArtifact, CutChunk, ChunkCut, SuiteTiming>;

// Empty when `path` may name a file of a shipped build: relative, in normal
// form (no "", "." or ".." component, no doubled or trailing '/'), at most
// kMaxBuildPathBytes and kMaxBuildPathDepth components, no NUL or control byte, under "bin/" or
// "lib/" (one component below) or "work/". Else what is wrong with it, quoting it.
std::string CheckBuildPath(const std::string& path);

// True for 64 lowercase hex digits.
bool IsSha256Hex(const std::string& text);

// The frozen "type" of a message ("hello", "run_chunk", ...).
const char* MessageTypeName(const Message& message);

// Encodes a message's payload: JSON, or the compact form for test_started
// and test_finished. Bytes that are not valid UTF-8 (test output can hold
// anything) are replaced by U+FFFD.
std::string EncodePayload(const Message& message);
// The JSON form of any message, test_started and test_finished included (as
// a peer may still send them): for tests and tools.
std::string EncodeJsonPayload(const Message& message);
// A frame: the 4-byte header, then `payload`.
std::string FrameOf(std::string_view payload);
// FrameOf(EncodePayload(message)).
std::string EncodeFrame(const Message& message);

// Decodes one payload, JSON or compact. On a malformed or unknown message
// (nesting deeper than kMaxJsonDepth or more than kMaxJsonValues values
// included, checked before parsing) returns false and sets `error` to what is
// wrong (field, value, expectation).
bool DecodePayload(std::string_view payload, Message* message, std::string* error);

// Empty when the two binaries match; else what differs, in words (test
// counts, test names, binary digests).
std::string DescribeFingerprintMismatch(const Fingerprint& ours, const Fingerprint& theirs);

// Cuts output to kMaxOutputBytesPerEvent, keeping its head and tail.
std::string BoundOutput(std::string output);

// What BoundOutput() keeps of output of `total_bytes` bytes whose first and
// last kMaxOutputBytesPerEvent / 2 bytes are `head` and `tail`: for output
// read in pieces (from a file) without holding the part that is cut.
std::string JoinBoundedOutput(std::string head, std::uint64_t total_bytes, const std::string& tail);

// Splits a byte stream into payloads. Feed it what arrives; take whole
// payloads out. The announced length is checked before anything is buffered.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t max_frame_bytes = kMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Changes the limit for the frames not yet taken out; `context` is named in
  // the error ("before authentication").
  void SetMaxFrameBytes(std::uint32_t max_frame_bytes, std::string context = "") {
    max_frame_bytes_ = max_frame_bytes;
    limit_context_ = std::move(context);
  }

  void Append(const char* data, std::size_t size) { buffer_.append(data, size); }

  enum class Status { kFrame, kNeedMore, kError };
  // kFrame: `payload` holds the next payload. kError: `error` says why; the
  // stream cannot be resynchronised and must be closed.
  Status Next(std::string* payload, std::string* error);

 private:
  std::uint32_t max_frame_bytes_;
  std::string limit_context_;
  std::string buffer_;
  std::size_t consumed_ = 0;
};

}  // namespace protocol
}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_PROTOCOL_H_
