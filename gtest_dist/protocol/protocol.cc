#include "gtest_dist/protocol/protocol.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "gtest_dist/protocol/compact_events.h"

namespace gtest_dist {
namespace protocol {
namespace {

using nlohmann::json;

// Wire names of TestPart::Type; frozen.
const char* PartTypeName(TestPart::Type type) {
  switch (type) {
    case TestPart::Type::kSuccess:
      return "success";
    case TestPart::Type::kNonFatalFailure:
      return "nonfatal_failure";
    case TestPart::Type::kFatalFailure:
      return "fatal_failure";
    case TestPart::Type::kSkip:
      return "skip";
  }
  return "success";
}

bool PartTypeFromName(const std::string& name, TestPart::Type* type) {
  for (auto t : {TestPart::Type::kSuccess, TestPart::Type::kNonFatalFailure,
                 TestPart::Type::kFatalFailure, TestPart::Type::kSkip}) {
    if (name == PartTypeName(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

// Thrown by the readers below; turned into DecodePayload's error.
struct DecodeError {
  std::string what;
};

const json& Field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) throw DecodeError{std::string("missing field \"") + name + "\""};
  return *it;
}

std::string String(const json& object, const char* name) {
  const json& value = Field(object, name);
  if (!value.is_string()) {
    throw DecodeError{std::string("field \"") + name + "\" must be a string, got " +
                      value.type_name()};
  }
  return value.get<std::string>();
}

std::int64_t Integer(const json& object, const char* name, std::int64_t min, std::int64_t max) {
  const json& value = Field(object, name);
  if (!value.is_number_integer()) {
    throw DecodeError{std::string("field \"") + name + "\" must be an integer, got " +
                      value.type_name()};
  }
  const std::int64_t number = value.get<std::int64_t>();
  if (number < min || number > max) {
    throw DecodeError{std::string("field \"") + name + "\" = " + std::to_string(number) +
                      " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]"};
  }
  return number;
}

int Int(const json& object, const char* name, int min, int max) {
  return static_cast<int>(Integer(object, name, min, max));
}

constexpr std::int64_t kMaxInt64 = INT64_MAX;
constexpr int kMaxIndex = 1 << 30;

const json& Array(const json& object, const char* name) {
  const json& value = Field(object, name);
  if (!value.is_array()) {
    throw DecodeError{std::string("field \"") + name + "\" must be an array, got " +
                      value.type_name()};
  }
  return value;
}

// The "tests" field of a chunk's messages: at most kMaxChunkTests test
// indices (0 to kMaxIndex).
std::vector<int> TestIndices(const json& object) {
  const json& tests = Array(object, "tests");
  if (tests.size() > kMaxChunkTests) {
    throw DecodeError{"field \"tests\" names " + std::to_string(tests.size()) +
                      " tests; a chunk holds at most " + std::to_string(kMaxChunkTests)};
  }
  std::vector<int> indices;
  indices.reserve(tests.size());
  for (const json& index : tests) {
    if (!index.is_number_integer() || index.get<std::int64_t>() < 0 ||
        index.get<std::int64_t>() > kMaxIndex) {
      throw DecodeError{"field \"tests\" must hold test indices (non-negative integers)"};
    }
    indices.push_back(index.get<int>());
  }
  return indices;
}

const json& Object(const json& object, const char* name) {
  const json& value = Field(object, name);
  if (!value.is_object()) {
    throw DecodeError{std::string("field \"") + name + "\" must be an object, got " +
                      value.type_name()};
  }
  return value;
}

json PairsToJson(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json array = json::array();
  for (const auto& [key, value] : pairs) array.push_back(json::array({key, value}));
  return array;
}

std::vector<std::pair<std::string, std::string>> PairsFromJson(const json& object,
                                                               const char* name) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const json& item : Array(object, name)) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) {
      throw DecodeError{std::string("field \"") + name + "\" must hold [name, value] string pairs"};
    }
    pairs.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  }
  return pairs;
}

json PartToJson(const TestPart& part) {
  return json{{"kind", PartTypeName(part.type)},
              {"file", part.file},
              {"line", part.line},
              {"summary", part.summary},
              {"message", part.message},
              {"output_before", part.output_before}};
}

TestPart PartFromJson(const json& object) {
  if (!object.is_object()) throw DecodeError{"field \"part\" must be an object"};
  TestPart part;
  if (!PartTypeFromName(String(object, "kind"), &part.type)) {
    throw DecodeError{
        "field \"kind\" must be success, nonfatal_failure, fatal_failure "
        "or skip, got \"" +
        String(object, "kind") + "\""};
  }
  part.file = String(object, "file");
  part.line = Int(object, "line", -1, INT32_MAX);
  part.summary = String(object, "summary");
  part.message = String(object, "message");
  part.output_before = String(object, "output_before");
  return part;
}

json FingerprintToJson(const Fingerprint& f) {
  return json{{"binary_digest", f.binary_digest},
              {"names_digest", f.names_digest},
              {"test_count", f.test_count}};
}

Fingerprint FingerprintFromJson(const json& object) {
  Fingerprint f;
  f.binary_digest = String(object, "binary_digest");
  f.names_digest = String(object, "names_digest");
  f.test_count = Int(object, "test_count", 0, kMaxIndex);
  return f;
}

// Counts the values and the nesting of a JSON text without building it, so
// that a frame of "[[[[..." or "[0,0,0,..." is refused before the parser
// spends tens of bytes on each. Not a validator (the parser is): a value is
// counted at each '[', '{' and ',' outside strings, which bounds the real
// count from above.
bool CheckJsonShape(std::string_view text, std::string* error) {
  int depth = 0;
  std::size_t values = 1;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > kMaxJsonDepth) {
          *error = "payload nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
          return false;
        }
        ++values;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ',':
        ++values;
        break;
      default:
        break;
    }
    if (values > kMaxJsonValues) {
      *error = "payload holds more than " + std::to_string(kMaxJsonValues) + " values";
      return false;
    }
  }
  return true;
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(const std::string& data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint8_t>(data[i]) << 16 |
                            static_cast<std::uint8_t>(data[i + 1]) << 8 |
                            static_cast<std::uint8_t>(data[i + 2]);
    out += kBase64Alphabet[v >> 18];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  if (i < data.size()) {
    std::uint32_t v = static_cast<std::uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<std::uint8_t>(data[i + 1]) << 8;
    out += kBase64Alphabet[v >> 18];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict: padded, no whitespace, no other characters.
bool Base64Decode(const std::string& text, std::string* data) {
  if (text.size() % 4 != 0) return false;
  data->clear();
  data->reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t v = 0;
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      int digit;
      if (c >= 'A' && c <= 'Z') {
        digit = c - 'A';
      } else if (c >= 'a' && c <= 'z') {
        digit = c - 'a' + 26;
      } else if (c >= '0' && c <= '9') {
        digit = c - '0' + 52;
      } else if (c == '+') {
        digit = 62;
      } else if (c == '/') {
        digit = 63;
      } else if (c == '=' && i + 4 == text.size() && k >= 2) {
        digit = 0;
        ++padding;
      } else {
        return false;
      }
      if (padding > 0 && c != '=') return false;
      v = v << 6 | static_cast<std::uint32_t>(digit);
    }
    data->push_back(static_cast<char>(v >> 16));
    if (padding < 2) data->push_back(static_cast<char>((v >> 8) & 0xff));
    if (padding < 1) data->push_back(static_cast<char>(v & 0xff));
  }
  return true;
}

std::string Digest(const json& object, const char* name) {
  std::string digest = String(object, name);
  if (!IsSha256Hex(digest)) {
    throw DecodeError{std::string("field \"") + name +
                      "\" must be a SHA-256 in 64 lowercase hex digits, got \"" +
                      digest.substr(0, 80) + "\""};
  }
  return digest;
}

std::uint64_t Unsigned(const json& object, const char* name, std::uint64_t max) {
  const json& value = Field(object, name);
  if (!value.is_number_unsigned() &&
      !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    throw DecodeError{std::string("field \"") + name + "\" must be a non-negative integer, got " +
                      value.type_name()};
  }
  const std::uint64_t number = value.get<std::uint64_t>();
  if (number > max) {
    throw DecodeError{std::string("field \"") + name + "\" = " + std::to_string(number) +
                      " is more than " + std::to_string(max)};
  }
  return number;
}

Manifest ManifestFromJson(const json& object) {
  Manifest m;
  const json& files = Array(object, "files");
  if (files.size() > kMaxManifestFiles) {
    throw DecodeError{"field \"files\" lists " + std::to_string(files.size()) +
                      " files; a build has at most " + std::to_string(kMaxManifestFiles)};
  }
  int executables = 0;
  for (const json& file : files) {
    if (!file.is_object()) throw DecodeError{"field \"files\" must hold objects"};
    ManifestEntry e;
    e.path = String(file, "path");
    const std::string problem = CheckBuildPath(e.path);
    if (!problem.empty()) throw DecodeError{"field \"files\": " + problem};
    e.digest = Digest(file, "digest");
    e.size = Unsigned(file, "size", kMaxShippedFileBytes);
    e.mode = Int(file, "mode", 0, 0777);
    if (e.path.rfind("bin/", 0) == 0) ++executables;
    m.files.push_back(std::move(e));
  }
  if (executables != 1) {
    throw DecodeError{"field \"files\" must name exactly one executable under bin/, names " +
                      std::to_string(executables)};
  }
  // A path twice, or a file where another needs a directory ("work/a" and
  // "work/a/b"), cannot be laid out. Views, not copies: CheckBuildPath
  // bounds a path's length and depth, so this costs little per file.
  std::vector<std::string> paths;
  for (const ManifestEntry& e : m.files) paths.push_back(e.path);
  std::sort(paths.begin(), paths.end());
  for (std::size_t i = 1; i < paths.size(); ++i) {
    if (paths[i] == paths[i - 1]) {
      throw DecodeError{"field \"files\" names \"" + paths[i] + "\" more than once"};
    }
  }
  const std::set<std::string_view> file_paths(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    for (auto slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      if (file_paths.count(std::string_view(path).substr(0, slash)) != 0) {
        throw DecodeError{"field \"files\" names both \"" + path.substr(0, slash) + "\" and \"" +
                          path + "\" below it"};
      }
    }
  }
  const json& args = Array(object, "args");
  if (args.size() > kMaxManifestArgs) {
    throw DecodeError{"field \"args\" has " + std::to_string(args.size()) + " arguments; at most " +
                      std::to_string(kMaxManifestArgs)};
  }
  for (const json& arg : args) {
    if (!arg.is_string()) throw DecodeError{"field \"args\" must hold strings"};
    m.args.push_back(arg.get<std::string>());
  }
  return m;
}

// One encoder per message type, through overloads picked by std::visit.
json ToJson(const Hello& m) {
  return json{{"type", "hello"},
              {"protocol", m.protocol},
              {"role", m.role},
              {"host", m.host},
              {"binary_name", m.binary_name},
              {"slots", m.slots},
              {"fingerprint", FingerprintToJson(m.fingerprint)},
              {"nonce", m.nonce},
              {"proof", m.proof}};
}
json ToJson(const Auth& m) { return json{{"type", "auth"}, {"proof", m.proof}}; }
json ToJson(const Refusal& m) {
  json object{{"type", "refusal"}, {"reason", m.reason}};
  if (m.busy) object["busy"] = true;  // optional, present only when true
  return object;
}
json ToJson(const Ready& m) {
  json object{{"type", "ready"},
              {"host", m.host},
              {"binary_name", m.binary_name},
              {"slots", m.slots},
              {"fingerprint", FingerprintToJson(m.fingerprint)}};
  if (m.build_cache) object["build_cache"] = true;  // optional, present only when true
  return object;
}
json ToJson(const Manifest& m) {
  json files = json::array();
  for (const ManifestEntry& e : m.files) {
    files.push_back(
        json{{"path", e.path}, {"digest", e.digest}, {"size", e.size}, {"mode", e.mode}});
  }
  return json{{"type", "manifest"}, {"files", files}, {"args", m.args}};
}
json ToJson(const BuildWant& m) { return json{{"type", "build_want"}, {"digests", m.digests}}; }
json ToJson(const Blob& m) {
  return json{
      {"type", "blob"}, {"digest", m.digest}, {"offset", m.offset}, {"data", Base64Encode(m.data)}};
}
json ToJson(const TestArtifact& m) {
  return json{{"type", "artifact"},
              {"chunk_id", m.chunk_id},
              {"index", m.index},
              {"name", m.name},
              {"size", m.size},
              {"offset", m.offset},
              {"data", Base64Encode(m.data)}};
}
json ToJson(const BuildReady& m) {
  return json{
      {"type", "build_ready"}, {"cached_files", m.cached_files}, {"cached_bytes", m.cached_bytes}};
}
json ToJson(const RunChunk& m) {
  json object{{"type", "run_chunk"},
              {"chunk_id", m.chunk_id},
              {"tests", m.tests},
              {"settings", PairsToJson(m.settings)}};
  if (!m.env.empty()) object["env"] = PairsToJson(m.env);
  return object;
}
json ToJson(const TestStarted& m) {
  return json{{"type", "test_started"},
              {"chunk_id", m.chunk_id},
              {"index", m.index},
              {"output_before", m.output_before}};
}
json ToJson(const TestPartReported& m) {
  return json{{"type", "test_part"},
              {"chunk_id", m.chunk_id},
              {"index", m.index},
              {"suite", m.suite},
              {"part", PartToJson(m.part)}};
}
json ToJson(const TestFinished& m) {
  const TestRecord& r = m.record;
  json object{{"type", "test_finished"},
              {"chunk_id", m.chunk_id},
              {"index", r.index},
              {"outcome", OutcomeName(r.outcome)},
              {"elapsed_ms", r.elapsed_ms},
              {"start_timestamp_ms", r.start_timestamp_ms},
              {"properties", PairsToJson(r.properties)},
              {"output_after", r.output_after},
              {"worker", r.worker},
              {"reason", r.reason}};
  // Optional, present only when false: the rare case stays off the wire.
  if (!r.ran) object["ran"] = false;
  if (r.cleared_parts > 0) object["cleared_parts"] = r.cleared_parts;
  return object;
}
json ToJson(const PropertiesRecorded& m) {
  return json{{"type", "properties"},
              {"chunk_id", m.chunk_id},
              {"suite", m.suite},
              {"properties", PairsToJson(m.properties)}};
}
json ToJson(const SuiteTiming& m) {
  return json{{"type", "suite_timing"},
              {"chunk_id", m.chunk_id},
              {"suite", m.suite},
              {"setup_ms", m.setup_ms},
              {"teardown_ms", m.teardown_ms}};
}
json ToJson(const Heartbeat&) { return json{{"type", "heartbeat"}}; }
json ToJson(const ChunkFinished& m) {
  return json{{"type", "chunk_finished"}, {"chunk_id", m.chunk_id}};
}
json ToJson(const CutChunk& m) {
  return json{{"type", "cut_chunk"}, {"chunk_id", m.chunk_id}, {"from_index", m.from_index}};
}
json ToJson(const ChunkCut& m) {
  return json{{"type", "chunk_cut"}, {"chunk_id", m.chunk_id}, {"tests", m.tests}};
}

Message FromJson(const json& object) {
  if (!object.is_object()) throw DecodeError{"a message must be a JSON object"};
  const std::string type = String(object, "type");
  if (type == "hello") {
    Hello m;
    m.protocol = Int(object, "protocol", 0, INT32_MAX);
    // The version is checked by the receiver, which names both versions; the
    // rest of a hello from another version may well not parse.
    if (m.protocol != kProtocolVersion) return m;
    m.role = String(object, "role");
    if (m.role != "supervisor" && m.role != "worker") {
      throw DecodeError{"field \"role\" must be supervisor or worker, got \"" + m.role + "\""};
    }
    m.host = String(object, "host");
    m.binary_name = String(object, "binary_name");
    m.slots = Int(object, "slots", 0, 4096);
    m.fingerprint = FingerprintFromJson(Object(object, "fingerprint"));
    m.nonce = String(object, "nonce");
    m.proof = String(object, "proof");
    return m;
  }
  if (type == "refusal") {
    Refusal m{String(object, "reason")};
    if (object.contains("busy")) {
      if (!object["busy"].is_boolean()) {
        throw DecodeError{std::string("field \"busy\" must be a boolean, got ") +
                          object["busy"].type_name()};
      }
      m.busy = object["busy"].get<bool>();
    }
    return m;
  }
  if (type == "ready") {
    Ready m;
    m.host = String(object, "host");
    m.binary_name = String(object, "binary_name");
    m.slots = Int(object, "slots", 1, 4096);
    m.fingerprint = FingerprintFromJson(Object(object, "fingerprint"));
    if (object.contains("build_cache")) {
      if (!object["build_cache"].is_boolean()) {
        throw DecodeError{std::string("field \"build_cache\" must be a boolean, got ") +
                          object["build_cache"].type_name()};
      }
      m.build_cache = object["build_cache"].get<bool>();
    }
    return m;
  }
  if (type == "manifest") return ManifestFromJson(object);
  if (type == "build_want") {
    BuildWant m;
    const json& digests = Array(object, "digests");
    if (digests.size() > kMaxManifestFiles) {
      throw DecodeError{"field \"digests\" lists " + std::to_string(digests.size()) +
                        " digests; at most " + std::to_string(kMaxManifestFiles)};
    }
    for (const json& digest : digests) {
      if (!digest.is_string() || !IsSha256Hex(digest.get<std::string>())) {
        throw DecodeError{"field \"digests\" must hold SHA-256 digests (64 lowercase hex)"};
      }
      m.digests.push_back(digest.get<std::string>());
    }
    return m;
  }
  if (type == "blob") {
    Blob m;
    m.digest = Digest(object, "digest");
    m.offset = Unsigned(object, "offset", kMaxShippedFileBytes);
    const std::string text = String(object, "data");
    if (text.size() > (kMaxBlobPieceBytes + 2) / 3 * 4) {
      throw DecodeError{"field \"data\" holds more than " + std::to_string(kMaxBlobPieceBytes) +
                        " bytes"};
    }
    if (!Base64Decode(text, &m.data)) throw DecodeError{"field \"data\" is not valid base64"};
    return m;
  }
  if (type == "artifact") {
    TestArtifact m;
    m.chunk_id = Integer(object, "chunk_id", 0, kMaxInt64);
    m.index = Int(object, "index", 0, kMaxIndex);
    m.name = String(object, "name");
    const std::string problem = CheckArtifactName(m.name);
    if (!problem.empty()) throw DecodeError{"field \"name\": " + problem};
    m.size = Unsigned(object, "size", kMaxArtifactFileBytes);
    m.offset = Unsigned(object, "offset", m.size);
    const std::string text = String(object, "data");
    if (text.size() > (kMaxArtifactPieceBytes + 2) / 3 * 4) {
      throw DecodeError{"field \"data\" holds more than " + std::to_string(kMaxArtifactPieceBytes) +
                        " bytes"};
    }
    if (!Base64Decode(text, &m.data)) throw DecodeError{"field \"data\" is not valid base64"};
    if (m.data.size() > m.size - m.offset) {
      throw DecodeError{"field \"data\" runs past \"size\" (" + std::to_string(m.size) +
                        ") from \"offset\" " + std::to_string(m.offset)};
    }
    return m;
  }
  if (type == "build_ready") {
    BuildReady m;
    m.cached_files = Unsigned(object, "cached_files", kMaxInt64);
    m.cached_bytes = Unsigned(object, "cached_bytes", kMaxInt64);
    return m;
  }
  if (type == "run_chunk") {
    RunChunk m;
    m.chunk_id = Integer(object, "chunk_id", 1, kMaxInt64);
    m.tests = TestIndices(object);
    if (m.tests.empty()) throw DecodeError{"field \"tests\" must not be empty"};
    // A test named twice would be run, tracked and reported twice.
    std::vector<int> sorted = m.tests;
    std::sort(sorted.begin(), sorted.end());
    const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
    if (twice != sorted.end()) {
      throw DecodeError{"field \"tests\" names test " + std::to_string(*twice) + " more than once"};
    }
    m.settings = PairsFromJson(object, "settings");
    if (object.contains("env")) {
      m.env = PairsFromJson(object, "env");
      if (m.env.size() > kMaxChildEnvEntries) {
        throw DecodeError{"field \"env\" holds " + std::to_string(m.env.size()) +
                          " variables; at most " + std::to_string(kMaxChildEnvEntries)};
      }
      std::string error;
      for (const auto& [name, value] : m.env) {
        if (!CheckChildEnvironment(name, value, &error))
          throw DecodeError{"field \"env\": " + error};
      }
    }
    return m;
  }
  if (type == "test_started") {
    TestStarted m;
    m.chunk_id = Integer(object, "chunk_id", 0, kMaxInt64);
    m.index = Int(object, "index", 0, kMaxIndex);
    m.output_before = String(object, "output_before");
    return m;
  }
  if (type == "test_part") {
    TestPartReported m;
    m.chunk_id = Integer(object, "chunk_id", 0, kMaxInt64);
    m.index = Int(object, "index", -1, kMaxIndex);
    m.suite = String(object, "suite");
    m.part = PartFromJson(Field(object, "part"));
    return m;
  }
  if (type == "test_finished") {
    TestFinished m;
    m.chunk_id = Integer(object, "chunk_id", 0, kMaxInt64);
    TestRecord& r = m.record;
    r.index = Int(object, "index", 0, kMaxIndex);
    const std::string outcome = String(object, "outcome");
    if (!OutcomeFromName(outcome, &r.outcome)) {
      throw DecodeError{"field \"outcome\" has unknown value \"" + outcome + "\""};
    }
    // FLAKY sums up several attempts: only the supervisor can say it.
    if (r.outcome == Outcome::kFlaky) {
      throw DecodeError{"field \"outcome\" is \"FLAKY\", which only a supervisor assigns"};
    }
    r.elapsed_ms = Integer(object, "elapsed_ms", 0, kMaxInt64);
    r.start_timestamp_ms = Integer(object, "start_timestamp_ms", 0, kMaxInt64);
    r.properties = PairsFromJson(object, "properties");
    r.output_after = String(object, "output_after");
    r.worker = String(object, "worker");
    r.reason = String(object, "reason");
    if (object.contains("ran")) {
      if (!object["ran"].is_boolean()) {
        throw DecodeError{std::string("field \"ran\" must be a boolean, got ") +
                          object["ran"].type_name()};
      }
      r.ran = object["ran"].get<bool>();
    }
    if (object.contains("cleared_parts")) {
      r.cleared_parts = Int(object, "cleared_parts", 0, kMaxIndex);
    }
    return m;
  }
  if (type == "properties") {
    PropertiesRecorded m;
    m.chunk_id = Integer(object, "chunk_id", 0, kMaxInt64);
    m.suite = String(object, "suite");
    m.properties = PairsFromJson(object, "properties");
    return m;
  }
  if (type == "suite_timing") {
    SuiteTiming m;
    m.chunk_id = Integer(object, "chunk_id", 0, kMaxInt64);
    m.suite = String(object, "suite");
    if (m.suite.size() > kMaxSuiteTimingNameBytes) {
      throw DecodeError{"field \"suite\" is " + std::to_string(m.suite.size()) +
                        " bytes long; at most " + std::to_string(kMaxSuiteTimingNameBytes)};
    }
    m.setup_ms = Integer(object, "setup_ms", 0, kMaxSuiteTimingMs);
    m.teardown_ms = Integer(object, "teardown_ms", 0, kMaxSuiteTimingMs);
    return m;
  }
  if (type == "chunk_finished") {
    return ChunkFinished{Integer(object, "chunk_id", 0, kMaxInt64)};
  }
  if (type == "cut_chunk") {
    CutChunk m;
    m.chunk_id = Integer(object, "chunk_id", 1, kMaxInt64);
    m.from_index = Int(object, "from_index", 0, kMaxIndex);
    return m;
  }
  if (type == "chunk_cut") {
    ChunkCut m;
    m.chunk_id = Integer(object, "chunk_id", 1, kMaxInt64);
    m.tests = TestIndices(object);
    // Ascending, so that a test named twice cannot be requeued twice.
    for (size_t i = 1; i < m.tests.size(); ++i) {
      if (m.tests[i] <= m.tests[i - 1]) {
        throw DecodeError{"field \"tests\" must be strictly ascending; " +
                          std::to_string(m.tests[i]) + " follows " +
                          std::to_string(m.tests[i - 1])};
      }
    }
    return m;
  }
  if (type == "heartbeat") return Heartbeat{};
  if (type == "auth") return Auth{String(object, "proof")};
  throw DecodeError{"unknown message type \"" + type + "\""};
}

}  // namespace

const char* MessageTypeName(const Message& message) {
  static const char* const kNames[] = {
      "hello",         "refusal",    "run_chunk",      "test_started", "test_part",
      "test_finished", "properties", "chunk_finished", "heartbeat",    "auth",
      "ready",         "manifest",   "build_want",     "blob",         "build_ready",
      "artifact",      "cut_chunk",  "chunk_cut",      "suite_timing"};
  static_assert(sizeof kNames / sizeof kNames[0] == std::variant_size_v<Message>,
                "a name for each message type");
  return kNames[message.index()];
}

std::string EncodePayload(const Message& message) {
  if (const auto* started = std::get_if<TestStarted>(&message)) return compact::Encode(*started);
  if (const auto* finished = std::get_if<TestFinished>(&message)) {
    return compact::Encode(*finished);
  }
  return EncodeJsonPayload(message);
}

std::string EncodeJsonPayload(const Message& message) {
  const json object = std::visit([](const auto& m) { return ToJson(m); }, message);
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodeFrame(const Message& message) { return FrameOf(EncodePayload(message)); }

std::string FrameOf(std::string_view payload) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  frame += static_cast<char>((size >> 24) & 0xff);
  frame += static_cast<char>((size >> 16) & 0xff);
  frame += static_cast<char>((size >> 8) & 0xff);
  frame += static_cast<char>(size & 0xff);
  frame += payload;
  return frame;
}

bool DecodePayload(std::string_view payload, Message* message, std::string* error) {
  if (compact::IsCompact(payload)) return compact::Decode(payload, message, error);
  if (!CheckJsonShape(payload, error)) return false;
  const json object = json::parse(payload.begin(), payload.end(), nullptr,
                                  /*allow_exceptions=*/false);
  if (object.is_discarded()) {
    *error = "payload is not valid JSON";
    return false;
  }
  try {
    *message = FromJson(object);
    return true;
  } catch (const DecodeError& e) {
    std::string type = "message";
    if (object.is_object() && object.contains("type") && object["type"].is_string()) {
      type = "\"" + object["type"].get<std::string>() + "\" message";
    }
    *error = type + ": " + e.what;
    return false;
  } catch (const json::exception& e) {
    *error = std::string("malformed message: ") + e.what();
    return false;
  }
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

namespace {

// Empty when `path` is relative, in normal form, at most `max_bytes` and
// `max_depth` components, without control bytes; its components in `parts`.
std::string CheckRelativePath(const std::string& path, std::size_t max_bytes, std::size_t max_depth,
                              std::vector<std::string>* parts) {
  const std::string shown = "\"" + (path.size() > 200 ? path.substr(0, 200) + "..." : path) + "\"";
  if (path.empty()) return "an empty path";
  if (path.size() > max_bytes) {
    return "path " + shown + " is longer than " + std::to_string(max_bytes) + " bytes";
  }
  if (path.front() == '/') return "path " + shown + " is absolute; it must be relative";
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) return "path " + shown + " holds a control character";
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    parts->push_back(
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts->size() > max_depth) {
    return "path " + shown + " is deeper than " + std::to_string(max_depth) + " components";
  }
  for (const std::string& part : *parts) {
    if (part.empty() || part == "." || part == "..") {
      return "path " + shown + " is not in normal form (an empty, \".\" or \"..\" component)";
    }
  }
  return "";
}

}  // namespace

std::string CheckArtifactName(const std::string& name) {
  std::vector<std::string> parts;
  return CheckRelativePath(name, kMaxArtifactNameBytes, kMaxArtifactNameDepth, &parts);
}

std::string CheckBuildPath(const std::string& path) {
  const std::string shown = "\"" + (path.size() > 200 ? path.substr(0, 200) + "..." : path) + "\"";
  std::vector<std::string> parts;
  const std::string problem =
      CheckRelativePath(path, kMaxBuildPathBytes, kMaxBuildPathDepth, &parts);
  if (!problem.empty()) return problem;
  if (parts[0] == "bin" || parts[0] == "lib") {
    if (parts.size() != 2) {
      return "path " + shown + ": bin/ and lib/ hold files directly, nothing deeper";
    }
    return "";
  }
  if (parts[0] == "work" && parts.size() >= 2) return "";
  return "path " + shown + " is not under bin/, lib/ or work/";
}

std::string DescribeFingerprintMismatch(const Fingerprint& ours, const Fingerprint& theirs) {
  std::string what;
  if (ours.test_count != theirs.test_count) {
    what = "it has " + std::to_string(theirs.test_count) + " tests, this binary has " +
           std::to_string(ours.test_count);
  } else if (ours.names_digest != theirs.names_digest) {
    what = "its test names differ (same count, " + std::to_string(ours.test_count) + ")";
  }
  if (ours.binary_digest != theirs.binary_digest) {
    if (!what.empty()) what += "; ";
    what += "its executable differs (sha256 " + theirs.binary_digest.substr(0, 12) + "... vs " +
            ours.binary_digest.substr(0, 12) + "... here)";
  }
  return what;
}

namespace {

// A name for an error message: printable and short, whatever a peer sent.
std::string Shown(const std::string& text) {
  constexpr std::size_t kShown = 64;
  std::string shown;
  for (std::size_t i = 0; i < text.size() && i < kShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    shown += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  if (text.size() > kShown) shown += "...";
  return "\"" + shown + "\"";
}

}  // namespace

bool CheckChildEnvironment(const std::string& name, const std::string& value, std::string* error) {
  bool name_ok =
      !name.empty() && name.size() <= kMaxChildEnvNameBytes && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    name_ok = name_ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '_');
  }
  if (!name_ok) {
    *error = "variable name " + Shown(name) + " must be 1 to " +
             std::to_string(kMaxChildEnvNameBytes) +
             " letters, digits and '_', not starting with a digit (no '=')";
    return false;
  }
  if (name.rfind("GTEST_DIST_INTERNAL_", 0) == 0 || name == "TEST_TMPDIR" || name == "TMPDIR") {
    *error = "variable " + Shown(name) +
             " is set by the runner for each test process and cannot be given";
    return false;
  }
  if (value.size() > kMaxChildEnvValueBytes) {
    *error = "the value of " + Shown(name) + " is " + std::to_string(value.size()) +
             " bytes; at most " + std::to_string(kMaxChildEnvValueBytes);
    return false;
  }
  if (value.find('\0') != std::string::npos) {
    *error = "the value of " + Shown(name) + " holds a NUL byte";
    return false;
  }
  return true;
}

std::string BoundOutput(std::string output) {
  if (output.size() <= kMaxOutputBytesPerEvent) return output;
  const std::size_t keep = kMaxOutputBytesPerEvent / 2;
  return JoinBoundedOutput(output.substr(0, keep), output.size(),
                           output.substr(output.size() - keep));
}

std::string JoinBoundedOutput(std::string head, std::uint64_t total_bytes,
                              const std::string& tail) {
  const std::uint64_t kept = head.size() + tail.size();
  if (total_bytes <= kept) return head + tail;
  head += "\n[gtest_dist: " + std::to_string(total_bytes - kept) + " bytes of output omitted]\n";
  head += tail;
  return head;
}

FrameDecoder::Status FrameDecoder::Next(std::string* payload, std::string* error) {
  const std::size_t available = buffer_.size() - consumed_;
  if (available < kFrameHeaderBytes) {
    if (consumed_ > 0) {  // keep the buffer from growing without bound
      buffer_.erase(0, consumed_);
      consumed_ = 0;
    }
    return Status::kNeedMore;
  }
  const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
  const std::uint32_t size = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                             (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
  if (size > max_frame_bytes_) {
    *error = "frame of " + std::to_string(size) + " bytes announced; the limit" +
             (limit_context_.empty() ? "" : " " + limit_context_) + " is " +
             std::to_string(max_frame_bytes_);
    return Status::kError;
  }
  if (available < kFrameHeaderBytes + size) return Status::kNeedMore;
  payload->assign(buffer_, consumed_ + kFrameHeaderBytes, size);
  consumed_ += kFrameHeaderBytes + size;
  if (consumed_ == buffer_.size()) {
    // A large frame must not leave a large buffer behind for the rest of
    // the connection.
    constexpr std::size_t kKeptCapacity = 1u << 20;
    if (buffer_.capacity() > kKeptCapacity) {
      std::string().swap(buffer_);
    } else {
      buffer_.clear();
    }
    consumed_ = 0;
  }
  return Status::kFrame;
}

}  // namespace protocol
}  // namespace gtest_dist
