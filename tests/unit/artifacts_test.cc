// Test outputs (--dist-artifacts): the wire message and its checks, the
// worker's collector, the supervisor's store, the names shared by reports
// and dashboard, the size flags.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "catalog_test_support.h"
#include "flags_test_support.h"
#include "gtest_dist/dashboard/artifact_files.h"
#include "gtest_dist/dashboard/run_documents.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/model/artifact.h"
#include "gtest_dist/model/byte_size.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/run/artifact_collector.h"
#include "gtest_dist/run/child_sandbox.h"
#include "gtest_dist/schedule/lock_plan.h"
#include "gtest_dist/supervisor/artifact_store.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

bool Exists(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0;
}

class ArtifactDirTest : public testing::Test {
 protected:
  ScratchDir scratch_{"artifacts"};
  std::string root_ = scratch_.path().string();
};

TEST(ArtifactProtocol, RoundTripsInPieces) {
  protocol::TestArtifact piece;
  piece.chunk_id = 7;
  piece.index = 3;
  piece.name = "shots/a b.png";
  piece.size = 10;
  piece.offset = 4;
  piece.data = std::string("\0\xff\x01xyz", 6);
  protocol::Message decoded;
  std::string error;
  ASSERT_TRUE(protocol::DecodePayload(protocol::EncodePayload(piece), &decoded, &error)) << error;
  const auto& back = std::get<protocol::TestArtifact>(decoded);
  EXPECT_EQ(back.chunk_id, 7);
  EXPECT_EQ(back.index, 3);
  EXPECT_EQ(back.name, piece.name);
  EXPECT_EQ(back.size, 10u);
  EXPECT_EQ(back.offset, 4u);
  EXPECT_EQ(back.data, piece.data);
  EXPECT_STREQ(protocol::MessageTypeName(piece), "artifact");
}

std::string DecodeError(const std::string& json) {
  protocol::Message message;
  std::string error;
  EXPECT_FALSE(protocol::DecodePayload(json, &message, &error)) << json;
  return error;
}

TEST(ArtifactProtocol, RefusesBadNamesAndSizes) {
  const std::string head = R"({"type":"artifact","chunk_id":1,"index":0,)";
  EXPECT_NE(DecodeError(head + R"("name":"../x","size":1,"offset":0,"data":"QQ=="})")
                .find("field \"name\""),
            std::string::npos);
  EXPECT_NE(
      DecodeError(head + R"("name":"/etc/x","size":1,"offset":0,"data":"QQ=="})").find("absolute"),
      std::string::npos);
  EXPECT_NE(DecodeError(head + R"("name":"a","size":1,"offset":0,"data":"QUJD"})")
                .find("runs past \"size\""),
            std::string::npos);
  EXPECT_NE(DecodeError(head + R"("name":"a","size":1,"offset":2,"data":""})").find("offset"),
            std::string::npos);
  const std::string huge(((protocol::kMaxArtifactPieceBytes + 2) / 3 + 1) * 4, 'A');
  EXPECT_NE(DecodeError(head + R"("name":"a","size":99999999,"offset":0,"data":")" + huge + "\"}")
                .find("holds more than"),
            std::string::npos);
}

TEST(ArtifactProtocol, CheckArtifactName) {
  EXPECT_EQ(protocol::CheckArtifactName("shot.png"), "");
  EXPECT_EQ(protocol::CheckArtifactName("a/b/c.txt"), "");
  for (const char* bad : {"", "/a", "a/../b", "./a", "a//b", "a/", "..", "a\nb"}) {
    EXPECT_NE(protocol::CheckArtifactName(bad), "") << bad;
  }
  EXPECT_NE(protocol::CheckArtifactName(std::string(protocol::kMaxArtifactNameBytes + 1, 'a')), "");
}

TEST_F(ArtifactDirTest, CollectorTakesRegularFilesWithinTheLimitAndNamesTheRest) {
  std::string error;
  auto collector = ArtifactCollector::Create(root_, 3000, &error);
  ASSERT_TRUE(collector) << error;
  EXPECT_EQ(collector->Environment().first, kOutputsRootEnv);
  const std::string dir = collector->path() + "/5";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(mkdir((dir + "/sub").c_str(), 0700), 0);
  WriteAll(dir + "/a.txt", std::string(1000, 'a'));
  WriteAll(dir + "/b.bin", std::string(2500, 'b'));  // a.txt + b.bin > 3000
  WriteAll(dir + "/sub/c.txt", "ccc");
  WriteAll(root_ + "/secret", "not ours");
  ASSERT_EQ(symlink((root_ + "/secret").c_str(), (dir + "/link").c_str()), 0);
  ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0600), 0);

  const ArtifactCollector::Collected collected = collector->Collect(5);
  std::string names;
  for (const auto& piece : collected.pieces) names += piece.name + " ";
  EXPECT_EQ(names, "a.txt sub/c.txt ");
  EXPECT_EQ(collected.pieces[0].data, std::string(1000, 'a'));
  EXPECT_NE(collected.dropped.find("b.bin: 2.4 KiB would take the test past --dist-artifacts-max"),
            std::string::npos)
      << collected.dropped;
  EXPECT_NE(collected.dropped.find("link: a symbolic link"), std::string::npos);
  EXPECT_NE(collected.dropped.find("fifo: not a regular file"), std::string::npos);
  EXPECT_FALSE(Exists(dir)) << "removed after collecting";
  EXPECT_TRUE(collector->Collect(6).pieces.empty());
  const std::string path = collector->path();
  collector.reset();
  EXPECT_FALSE(Exists(path));
  EXPECT_EQ(ReadAll(root_ + "/secret"), "not ours");
}

TEST_F(ArtifactDirTest, CollectorSplitsLargeFilesIntoPieces) {
  std::string error;
  auto collector = ArtifactCollector::Create(root_, 10u << 20, &error);
  ASSERT_TRUE(collector) << error;
  const std::string dir = collector->path() + "/0";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  const std::size_t size = protocol::kMaxArtifactPieceBytes * 2 + 5;
  WriteAll(dir + "/big", std::string(size, 'x'));
  const auto collected = collector->Collect(0);
  ASSERT_EQ(collected.pieces.size(), 3u);
  EXPECT_EQ(collected.pieces[1].offset, protocol::kMaxArtifactPieceBytes);
  EXPECT_EQ(collected.pieces[2].data.size(), 5u);
  for (const auto& piece : collected.pieces) EXPECT_EQ(piece.size, size);
}

TEST_F(ArtifactDirTest, PrepareTestOutputsSetsTheVariable) {
  setenv(kOutputsRootEnv, root_.c_str(), 1);
  PrepareTestOutputs(12);
  unsetenv(kOutputsRootEnv);
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(std::string(dir), root_ + "/12");
  EXPECT_TRUE(Exists(root_ + "/12"));
  unsetenv("TEST_UNDECLARED_OUTPUTS_DIR");
}

protocol::TestArtifact Piece(int index, const std::string& name, std::uint64_t size,
                             std::uint64_t offset, const std::string& data) {
  return protocol::TestArtifact{/*chunk_id=*/0, index, name, size, offset, data};
}

TEST_F(ArtifactDirTest, StoreWritesWholeFilesAndNamesThemInTheRecord) {
  ArtifactStore store(root_ + "/run", 100, 1000);
  store.Add("Param/S.T/0", Piece(1, "shots/a.png", 6, 0, "abc"));
  store.Add("Param/S.T/0", Piece(1, "shots/a.png", 6, 3, "def"));
  store.Add("Param/S.T/0", Piece(1, "empty", 0, 0, ""));
  TestRecord record;
  record.index = 1;
  record.properties = {{"mine", "1"}};
  EXPECT_TRUE(store.Finish(&record).empty());
  const std::string dir = root_ + "/run/Param%2FS.T%2F0";
  EXPECT_EQ(ReadAll(dir + "/shots/a.png"), "abcdef");
  EXPECT_TRUE(Exists(dir + "/empty"));
  ASSERT_EQ(record.properties.size(), 3u);
  EXPECT_EQ(record.properties[1], Property("artifact:shots/a.png", dir + "/shots/a.png"));
  EXPECT_EQ(record.properties[2], Property("artifact:empty", dir + "/empty"));
  const std::vector<ArtifactLink> links = ArtifactLinksOf(record.properties, root_);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].name, "shots/a.png");
  EXPECT_EQ(links[0].relative_path, "run/Param%2FS.T%2F0/shots/a.png");
  const auto decoded = DecodeArtifactLinks(EncodeArtifactLinks(links));
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[1].relative_path, links[1].relative_path);
}

TEST_F(ArtifactDirTest, StoreEnforcesTheLimitsAgainstThePeer) {
  ArtifactStore store(root_ + "/run", 10, 12);
  store.Add("S.A", Piece(0, "too_big", 11, 0, "x"));         // over the test's limit
  store.Add("S.A", Piece(0, "ok", 5, 0, "12345"));           // kept
  store.Add("S.A", Piece(0, "gap", 4, 0, "12"));             // then a piece is missing
  store.Add("S.A", Piece(0, "gap", 4, 3, "4"));              //
  store.Add("S.B", Piece(1, "run_full", 8, 0, "12345678"));  // the run's 12 bytes reached
  store.Add("S.B", Piece(1, "incomplete", 4, 0, "12"));      // never finished
  TestRecord a;
  a.index = 0;
  a.properties = {{kArtifactsDroppedPropertyName, "from_worker: a symbolic link\n"}};
  const std::vector<std::string> lines = store.Finish(&a);
  ASSERT_EQ(lines.size(), 3u) << testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "from_worker: a symbolic link");
  EXPECT_NE(lines[1].find("too_big: 11 B would take the test past --dist-artifacts-max"),
            std::string::npos);
  EXPECT_NE(lines[2].find("gap: its pieces arrived out of order"), std::string::npos);
  EXPECT_FALSE(Exists(root_ + "/run/S.A/gap"));
  EXPECT_EQ(a.properties.size(), 2u);  // artifact:ok and the dropped lines
  EXPECT_EQ(a.properties[0].first, "artifact:ok");
  TestRecord b;
  b.index = 1;
  const std::vector<std::string> b_lines = store.Finish(&b);
  ASSERT_EQ(b_lines.size(), 2u) << testing::PrintToString(b_lines);
  EXPECT_NE(b_lines[0].find("run_full: the run's artifacts reached their limit"),
            std::string::npos);
  EXPECT_NE(b_lines[1].find("incomplete (2 of 4 bytes arrived)"), std::string::npos);
  EXPECT_FALSE(Exists(root_ + "/run/S.B/incomplete"));
}

TEST_F(ArtifactDirTest, StoreDiscardsWhatALostAttemptHalfSent) {
  ArtifactStore store(root_ + "/run", 100, 100);
  store.Add("S.A", Piece(0, "shot", 4, 0, "ab"));
  store.Discard(0);  // the worker was lost; the test runs again
  EXPECT_FALSE(Exists(root_ + "/run/S.A/shot"));
  store.Add("S.A", Piece(0, "shot", 4, 0, "abcd"));
  TestRecord record;
  record.index = 0;
  EXPECT_TRUE(store.Finish(&record).empty());
  EXPECT_EQ(ReadAll(root_ + "/run/S.A/shot"), "abcd");
}

TEST_F(ArtifactDirTest, HistoryRecordsOutputsAndIsolation) {
  const TestCatalog catalog = CatalogOfSuites({{"S", 2}});
  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = {0, 1};
  plan.start_timestamp_ms = 5000;
  history::RecorderContext context;
  context.binary_name = "artifacts_test";
  context.artifacts_dir = root_ + "/out";
  const std::string store = root_ + "/history.sqlite";
  {
    history::HistoryRecorder recorder(store, context);
    recorder.OnRunStart(plan);
    TestRecord a;
    a.index = 0;
    a.outcome = Outcome::kPassed;
    a.isolation = "exclusive lock:gpu";
    a.properties = {
        {"artifact:shot.png", root_ + "/out/run/" + catalog.test(0).FullName() + "/shot.png"}};
    recorder.OnTestFinished(catalog.test(0), a);
    recorder.Flush();
    ASSERT_TRUE(recorder.healthy());
  }
  auto db = history::OpenDatabase(store);
  const auto rows = history::TestResults(db.get(), catalog.test(0).FullName(), 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].result.isolation, "exclusive lock:gpu");
  ASSERT_EQ(rows[0].result.artifacts.size(), 1u);
  EXPECT_EQ(rows[0].result.artifacts[0].name, "shot.png");
  EXPECT_EQ(rows[0].result.artifacts[0].relative_path,
            "run/" + catalog.test(0).FullName() + "/shot.png");
  const history::RunDetail detail = history::ShowRun(db.get(), rows[0].result.run_id);
  ASSERT_EQ(detail.results.size(), 1u);
  EXPECT_EQ(detail.results[0].isolation, "exclusive lock:gpu");
  EXPECT_EQ(detail.results[0].artifacts.size(), 1u);
}

TEST(ArtifactIsolation, DescribeRequirements) {
  LockRequirements needs;
  EXPECT_EQ(DescribeRequirements(needs), "");
  needs.locks = {"port", "gpu"};
  EXPECT_EQ(DescribeRequirements(needs), "lock:gpu lock:port");
  needs.exclusive = true;
  EXPECT_EQ(DescribeRequirements(needs), "exclusive lock:gpu lock:port");
}

TEST_F(ArtifactDirTest, DashboardServesOnlyFilesBelowTheDirectory) {
  ASSERT_EQ(mkdir((root_ + "/out").c_str(), 0700), 0);
  ASSERT_EQ(mkdir((root_ + "/out/run").c_str(), 0700), 0);
  WriteAll(root_ + "/out/run/shot.png", "PNG");
  WriteAll(root_ + "/out/run/page.html", "<script>x</script>");
  WriteAll(root_ + "/secret", "no");
  ASSERT_EQ(symlink((root_ + "/secret").c_str(), (root_ + "/out/run/link").c_str()), 0);
  ASSERT_EQ(symlink(root_.c_str(), (root_ + "/out/up").c_str()), 0);
  dashboard::ArtifactFile file;
  std::string error;
  ASSERT_EQ(dashboard::ReadArtifactFile(root_ + "/out", "run/shot.png", &file, &error), 200);
  EXPECT_EQ(file.data, "PNG");
  EXPECT_EQ(file.content_type, "image/png");
  EXPECT_TRUE(file.show_inline);
  ASSERT_EQ(dashboard::ReadArtifactFile(root_ + "/out", "run/page.html", &file, &error), 200);
  EXPECT_FALSE(file.show_inline);
  EXPECT_EQ(file.content_type, "application/octet-stream");
  for (const char* bad : {"../secret", "/etc/passwd", "run/../../secret", "", "run//shot.png"}) {
    EXPECT_EQ(dashboard::ReadArtifactFile(root_ + "/out", bad, &file, &error), 400) << bad;
  }
  EXPECT_EQ(dashboard::ReadArtifactFile(root_ + "/out", "run/link", &file, &error), 404);
  EXPECT_EQ(dashboard::ReadArtifactFile(root_ + "/out", "up/secret", &file, &error), 404);
  EXPECT_EQ(dashboard::ReadArtifactFile(root_ + "/out", "run", &file, &error), 404);
  EXPECT_EQ(dashboard::ArtifactUrl("r/A%2FB.C/a b.png"), "/artifacts/r/A%252FB.C/a%20b.png");
}

TEST(ArtifactNames, RunAndTestDirectories) {
  EXPECT_EQ(ArtifactRunDirName(1765013400123, 42, 0), "20251206-093000-42");
  EXPECT_EQ(ArtifactRunDirName(1765013400123, 42, 2), "20251206-093000-42-3");
  EXPECT_EQ(ArtifactTestDirName("A/B.C/1"), "A%2FB.C%2F1");
  EXPECT_EQ(ArtifactTestDirName("S.T%"), "S.T%25");
  // A property of the test's own named "artifact:" but elsewhere is no link.
  EXPECT_TRUE(ArtifactLinksOf({{"artifact:x", "/elsewhere/x"}}, "/dir").empty());
}

TEST(ByteSize, ParsesAndFormats) {
  std::uint64_t bytes = 0;
  ASSERT_TRUE(ParseByteSize("10M", &bytes));
  EXPECT_EQ(bytes, 10u << 20);
  EXPECT_FALSE(ParseByteSize("0", &bytes));
  EXPECT_FALSE(ParseByteSize("1X", &bytes));
  EXPECT_EQ(FormatByteSize(512), "512 B");
  EXPECT_EQ(FormatByteSize(3u << 20), "3.0 MiB");
}

TEST(ArtifactFlags, DirectoryAndLimit) {
  const DistOptions options =
      ParsedFlags({"t", "--dist-artifacts=out/", "--dist-artifacts-max=10M"});
  EXPECT_EQ(options.artifacts_dir, "out");
  EXPECT_EQ(options.artifacts_max, 10u << 20);
  EXPECT_EQ(ParsedFlags({"t"}).artifacts_max, kDefaultArtifactBytesPerTest);
  EXPECT_EQ(FlagError({"t", "--dist-artifacts-max=2G"}),
            "--dist-artifacts-max: expected a size from 1 to 1G (e.g. 10M), got \"2G\"");
  EXPECT_NE(FlagError({"t", "--dist-artifacts="}).find("--dist-artifacts: expected a directory"),
            std::string::npos);
}

}  // namespace
}  // namespace gtest_dist
