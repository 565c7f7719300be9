#include "gtest_dist/history/replay_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace gtest_dist {
namespace history {
namespace {

using nlohmann::json;

std::string Strings(const std::vector<std::string>& strings) { return json(strings).dump(); }

// A JSON array of strings from the store; a malformed one is a DatabaseError
// naming the column.
std::vector<std::string> ParseStrings(const std::string& text, const std::string& column) {
  try {
    return json::parse(text).get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    throw DatabaseError("the history store's " + column + " is not a JSON list of strings (" +
                        e.what() + ")");
  }
}

std::string Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json array = json::array();
  for (const auto& [name, value] : pairs) array.push_back({name, value});
  return array.dump();
}

std::vector<std::pair<std::string, std::string>> ParsePairs(const std::string& text) {
  try {
    return json::parse(text).get<std::vector<std::pair<std::string, std::string>>>();
  } catch (const std::exception& e) {
    throw DatabaseError(std::string("the history store's replay_runs.env is not a JSON list of "
                                    "[name, value] pairs (") +
                        e.what() + ")");
  }
}

// The replay of one stored result, or nullopt with `why` set.
std::optional<ResultReplay> Load(Database* db, std::int64_t run_id, const std::string& test,
                                 std::optional<int> attempt, std::string* why) {
  const std::vector<Row> results = db->Query(
      "SELECT attempt, status, process, worker FROM results WHERE run_id = ? AND full_name = ?"
      " ORDER BY attempt",
      {run_id, test});
  if (results.empty()) {
    const bool run_exists = !db->Query("SELECT id FROM runs WHERE id = ?", {run_id}).empty();
    *why = run_exists ? "run " + std::to_string(run_id) + " has no result of " + test
                      : "there is no run " + std::to_string(run_id);
    return std::nullopt;
  }
  const Row* chosen = nullptr;
  if (attempt) {
    for (const Row& row : results) {
      if (row.Int(0) == *attempt) chosen = &row;
    }
    if (chosen == nullptr) {
      *why = test + " has no attempt " + std::to_string(*attempt) + " in run " +
             std::to_string(run_id) + " (it has " + std::to_string(results.size()) + ")";
      return std::nullopt;
    }
  } else {
    for (const Row& row : results) {
      Outcome status = Outcome::kNotRun;
      OutcomeFromName(row.Text(1), &status);
      if (chosen == nullptr && IsFailedAttempt(status)) chosen = &row;
    }
    if (chosen == nullptr) chosen = &results.back();
  }
  ResultReplay replay;
  replay.run_id = run_id;
  replay.test = test;
  replay.attempt = static_cast<int>(chosen->Int(0));
  OutcomeFromName(chosen->Text(1), &replay.status);
  replay.process = static_cast<int>(chosen->Int(2));
  replay.worker = chosen->Text(3);
  const std::vector<Row> setup = db->Query(
      "SELECT binary_path, directory, shuffle, random_seed, args, env FROM replay_runs"
      " WHERE run_id = ?",
      {run_id});
  if (setup.empty() || replay.process == 0) {
    *why = "run " + std::to_string(run_id) +
           " recorded no test processes (a run still going, a run recorded by an older "
           "gtest_dist, or " +
           test + " never started in a process)";
    return std::nullopt;
  }
  const std::vector<Row> process =
      db->Query("SELECT worker, tests FROM processes WHERE run_id = ? AND process = ?",
                {run_id, std::int64_t{replay.process}});
  if (process.empty()) {
    *why = "run " + std::to_string(run_id) + " has no process " + std::to_string(replay.process);
    return std::nullopt;
  }
  analytics::ReplaySpec& spec = replay.spec;
  spec.binary = setup[0].Text(0);
  spec.directory = setup[0].Text(1);
  spec.shuffle = setup[0].Int(2) != 0;
  spec.random_seed = static_cast<int>(setup[0].Int(3));
  spec.args = ParseStrings(setup[0].Text(4), "replay_runs.args");
  spec.env = ParsePairs(setup[0].Text(5));
  replay.worker = process[0].Text(0);
  std::vector<std::string> tests = ParseStrings(process[0].Text(1), "processes.tests");
  const auto at = std::find(tests.begin(), tests.end(), test);
  if (at == tests.end()) {
    *why = "process " + std::to_string(replay.process) + " of run " + std::to_string(run_id) +
           " did not start " + test;
    return std::nullopt;
  }
  spec.tests.assign(tests.begin(), at + 1);
  replay.predecessors = static_cast<int>(spec.tests.size()) - 1;
  return replay;
}

}  // namespace

void InsertReplay(Database* db, std::int64_t run_id, const analytics::ReplaySpec& setup,
                  const std::vector<StoredProcess>& processes) {
  db->Exec(
      "INSERT INTO replay_runs (run_id, binary_path, directory, shuffle, random_seed, args, env)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      {run_id, setup.binary, setup.directory, std::int64_t{setup.shuffle ? 1 : 0},
       std::int64_t{setup.random_seed}, Strings(setup.args), Pairs(setup.env)});
  for (const StoredProcess& p : processes) {
    db->Exec("INSERT INTO processes (run_id, process, worker, tests) VALUES (?, ?, ?, ?)",
             {run_id, std::int64_t{p.process}, p.worker, Strings(p.tests)});
  }
}

ResultReplay FindReplay(Database* db, std::int64_t run_id, const std::string& test,
                        std::optional<int> attempt) {
  std::string why;
  std::optional<ResultReplay> replay = Load(db, run_id, test, attempt, &why);
  if (!replay) throw DatabaseError(why);
  return *replay;
}

std::optional<ResultReplay> FindReplayQuietly(Database* db, std::int64_t run_id,
                                              const std::string& test, std::optional<int> attempt) {
  std::string why;
  try {
    return Load(db, run_id, test, attempt, &why);
  } catch (const DatabaseError&) {
    return std::nullopt;
  }
}

void InsertTriage(Database* db, const std::vector<TriageRow>& rows) {
  for (const TriageRow& row : rows) {
    db->Exec(
        "INSERT INTO triage (run_id, full_name, verdict, culprits, why, replays)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        {row.run_id, row.test, row.note.verdict, Strings(row.note.culprits), row.note.why,
         std::int64_t{row.note.replays}});
  }
}

std::optional<TriageNote> FindTriage(Database* db, std::int64_t run_id, const std::string& test) {
  const std::vector<Row> rows = db->Query(
      "SELECT verdict, culprits, why, replays FROM triage WHERE run_id = ? AND full_name = ?",
      {run_id, test});
  if (rows.empty()) return std::nullopt;
  TriageNote note;
  note.verdict = rows[0].Text(0);
  note.culprits = ParseStrings(rows[0].Text(1), "triage.culprits");
  note.why = rows[0].Text(2);
  note.replays = static_cast<int>(rows[0].Int(3));
  return note;
}

}  // namespace history
}  // namespace gtest_dist
