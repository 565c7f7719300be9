#include "gtest_dist/schedule/scheduler.h"

#include <algorithm>
#include <random>

namespace gtest_dist {

Scheduler::Scheduler(const TestCatalog& catalog, const std::vector<int>& selected, int total_slots,
                     const DurationEstimator& estimate, std::optional<unsigned> shuffle_seed)
    : catalog_(catalog),
      cost_of_(static_cast<size_t>(catalog.size()), 1.0),
      total_slots_(total_slots > 0 ? total_slots : 1) {
  if (estimate) {
    std::vector<double> known;
    std::vector<int> unknown;
    for (int index : selected) {
      if (const auto ms = estimate(catalog.test(index))) {
        cost_of_[static_cast<size_t>(index)] = std::max(*ms, 0.0);
        known.push_back(std::max(*ms, 0.0));
      } else {
        unknown.push_back(index);
      }
    }
    if (!known.empty()) {
      std::nth_element(known.begin(), known.begin() + known.size() / 2, known.end());
      const double median = known[known.size() / 2];
      for (int index : unknown) cost_of_[static_cast<size_t>(index)] = median;
    }
    // A test of ~0 ms still costs a little: keep every cost positive so chunk
    // sizes stay bounded.
    for (double& cost : cost_of_) cost = std::max(cost, 0.1);
  }
  std::vector<Group> groups = GroupBySuite(selected);
  shuffled_ = shuffle_seed.has_value();
  // Longest first; ties keep catalog order, so plans are reproducible.
  if (shuffle_seed) {
    std::mt19937 random(*shuffle_seed);
    std::shuffle(groups.begin(), groups.end(), random);
  } else {
    std::stable_sort(groups.begin(), groups.end(),
                     [](const Group& a, const Group& b) { return a.cost > b.cost; });
  }
  for (Group& group : groups) {
    queued_cost_ += group.cost;
    queue_.push_back(std::move(group));
  }
}

std::vector<Scheduler::Group> Scheduler::GroupBySuite(const std::vector<int>& tests) const {
  std::vector<int> sorted = tests;
  std::sort(sorted.begin(), sorted.end());
  std::vector<Group> groups;
  for (int index : sorted) {
    const TestEntry& test = catalog_.test(index);
    if (groups.empty() || groups.back().suite_index != test.suite_index) {
      groups.push_back(Group{test.suite_index, {}, {}, 0});
    }
    const double cost = cost_of_[static_cast<size_t>(index)];
    groups.back().tests.push_back(index);
    groups.back().costs.push_back(cost);
    groups.back().cost += cost;
  }
  for (Group& group : groups) Price(&group);
  return groups;
}

void Scheduler::Price(Group* group) const {
  if (setup_costs_ == nullptr) return;
  const auto known =
      setup_costs_->Known(catalog_.suites().at(static_cast<size_t>(group->suite_index)).name);
  group->priced = known.has_value();
  group->setup = known.value_or(0);
}

void Scheduler::SetSetupCosts(const SuiteSetupCosts* costs) {
  setup_costs_ = costs;
  queued_cost_ = 0;
  std::vector<Group> groups(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
  queue_.clear();
  for (Group& group : groups) {
    Price(&group);
    queued_cost_ += group.whole();
  }
  // Longest first again, set-ups included (a shuffled queue keeps its order).
  if (!shuffled_) {
    std::stable_sort(groups.begin(), groups.end(),
                     [](const Group& a, const Group& b) { return a.whole() > b.whole(); });
  }
  for (Group& group : groups) queue_.push_back(std::move(group));
}

double Scheduler::Group::TakeFront(double limit, std::vector<int>* chunk) {
  double taken_cost = 0;
  size_t taken = 0;
  while (taken < tests.size() - 1 && (taken == 0 || taken_cost + costs[taken] <= limit)) {
    taken_cost += costs[taken];
    ++taken;
  }
  chunk->assign(tests.begin(), tests.begin() + static_cast<long>(taken));
  tests.erase(tests.begin(), tests.begin() + static_cast<long>(taken));
  costs.erase(costs.begin(), costs.begin() + static_cast<long>(taken));
  cost -= taken_cost;
  return taken_cost;
}

double Scheduler::SetupCostOfSuite(int suite_index) const {
  if (setup_costs_ == nullptr) return 0;
  return setup_costs_->SetupCostMs(catalog_.suites().at(static_cast<size_t>(suite_index)).name);
}

int Scheduler::PricedPieces(const Group& group) const {
  // The run ends no earlier than the work left spread over the slots, nor
  // than the suite's longest piece (a piece holds whole tests, and runs the
  // set-up first).
  const double work = queued_cost_ + in_flight_cost_;
  const double slots = total_slots_;
  const double price = group.setup + startup_cost_;
  const double longest_test = *std::max_element(group.costs.begin(), group.costs.end());
  int most = static_cast<int>(std::min<size_t>(group.tests.size(), total_slots_));
  int queued_pieces = 0;
  for (const Group& queued : queue_) queued_pieces += queued.pieces;
  if (queued_pieces <= total_slots_) most = std::min(most, total_slots_ / queued_pieces);
  int best_pieces = 1;
  double best_end = std::max(work / slots, group.whole());
  for (int pieces = 2; pieces <= most; ++pieces) {
    const double piece = std::max(group.cost / pieces, longest_test) + group.setup;
    const double end = std::max((work + (pieces - 1) * price) / slots, piece);
    if (end < best_end) {
      best_end = end;
      best_pieces = pieces;
    }
  }
  return best_pieces;
}

std::optional<std::vector<int>> Scheduler::Next() {
  if (queue_.empty()) return std::nullopt;
  // A suite is split only when it is more than one slot's fair share of
  // what is left: below that, keeping SetUpTestSuite to one run is worth more
  // than the balance a split would buy.
  const double fair_share = queued_cost_ / total_slots_;
  const double share_with_in_flight = (queued_cost_ + in_flight_cost_) / total_slots_;
  const double target = balanced_by_cuts_
                            ? share_with_in_flight
                            : std::max(queued_cost_ / (kChunksPerSlot * total_slots_),
                                       std::min(min_chunk_cost_, share_with_in_flight));
  std::vector<int> chunk;
  double chunk_cost = 0;
  Group& front = queue_.front();
  if (front.priced && !front.cut && front.tests.size() > 1) {
    const int pieces = PricedPieces(front);
    queued_cost_ += (pieces - 1) * front.setup;  // each piece runs the set-up
    front.pieces = pieces;
    front.cut = pieces > 1;
  }
  if (front.priced && front.pieces > 1 && front.tests.size() > 1) {
    // Set-up-aware: the next of the suite's even pieces, with its set-up.
    chunk_cost = front.TakeFront(front.cost / front.pieces, &chunk);
    front.pieces -= 1;
    chunk_cost += front.setup;
  } else if (front.priced) {
    // Whole suites, set-ups included, packing the following ones while they
    // fit (a suite priced is never split by packing).
    chunk_cost = front.whole();
    chunk = std::move(front.tests);
    queue_.pop_front();
    while (!queue_.empty() && chunk_cost + queue_.front().whole() <= target) {
      chunk_cost += queue_.front().whole();
      chunk.insert(chunk.end(), queue_.front().tests.begin(), queue_.front().tests.end());
      queue_.pop_front();
    }
  } else if (front.cost > fair_share && front.cost > target && front.tests.size() > 1) {
    // Split a large suite: take tests until the target is reached (balanced
    // by cuts, to the nearest test, as the top-up below).
    chunk_cost = front.TakeFront(balanced_by_cuts_ ? target + front.costs[0] / 2 : target, &chunk);
  } else {
    // Whole suites, packing the following ones while they fit.
    chunk_cost = front.cost;
    chunk = std::move(front.tests);
    queue_.pop_front();
    while (!queue_.empty() && chunk_cost + queue_.front().cost <= target) {
      chunk_cost += queue_.front().cost;
      chunk.insert(chunk.end(), queue_.front().tests.begin(), queue_.front().tests.end());
      queue_.pop_front();
    }
    // Balanced by cuts: the slot's share, whole, from the next suite's front.
    if (balanced_by_cuts_ && !queue_.empty() && !queue_.front().priced &&
        queue_.front().tests.size() > 1 && chunk_cost + queue_.front().costs[0] <= target) {
      // To the nearest test, or the shares' roundings add up to one more chunk.
      Group& next = queue_.front();
      std::vector<int> piece;
      chunk_cost += next.TakeFront(target - chunk_cost + next.costs[0] / 2, &piece);
      chunk.insert(chunk.end(), piece.begin(), piece.end());
    }
  }
  // Topped up to the minimum size, from the following suites in queue order.
  while (chunk.size() < static_cast<size_t>(min_chunk_tests_) && !queue_.empty()) {
    Group& next = queue_.front();
    const size_t wanted = static_cast<size_t>(min_chunk_tests_) - chunk.size();
    const size_t taken = std::min(wanted, next.tests.size());
    double taken_cost = 0;
    for (size_t i = 0; i < taken; ++i) taken_cost += next.costs[i];
    chunk.insert(chunk.end(), next.tests.begin(), next.tests.begin() + static_cast<long>(taken));
    chunk_cost += taken_cost;
    if (taken == next.tests.size()) {
      chunk_cost += next.pieces * next.setup;  // 0 unless priced
      queue_.pop_front();
    } else {
      next.tests.erase(next.tests.begin(), next.tests.begin() + static_cast<long>(taken));
      next.costs.erase(next.costs.begin(), next.costs.begin() + static_cast<long>(taken));
      next.cost -= taken_cost;
    }
  }
  queued_cost_ = std::max(0.0, queued_cost_ - chunk_cost);
  std::sort(chunk.begin(), chunk.end());  // the order a plain run uses
  if (chunk.size() > max_chunk_tests_) {
    // More than a run_chunk may carry: the rest waits for the next chunk.
    Requeue(std::vector<int>(chunk.begin() + static_cast<long>(max_chunk_tests_), chunk.end()));
    chunk.resize(max_chunk_tests_);
  }
  return chunk;
}

void Scheduler::Requeue(const std::vector<int>& tests) {
  std::vector<Group> groups = GroupBySuite(tests);
  for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
    queued_cost_ += it->whole();
    queue_.push_front(std::move(*it));
  }
}

double Scheduler::CostOfTest(int index) const {
  return index >= 0 && static_cast<size_t>(index) < cost_of_.size()
             ? cost_of_[static_cast<size_t>(index)]
             : 0;
}

double Scheduler::CostOf(const std::vector<int>& tests) const {
  double cost = 0;
  int last_suite = -1;
  for (int index : tests) {
    cost += CostOfTest(index);
    // A chunk's tests are in catalog order: each suite's set-up once.
    const int suite = catalog_.test(index).suite_index;
    if (setup_costs_ != nullptr && suite != last_suite) cost += SetupCostOfSuite(suite);
    last_suite = suite;
  }
  return cost;
}

int Scheduler::queued_tests() const {
  int count = 0;
  for (const Group& group : queue_) count += static_cast<int>(group.tests.size());
  return count;
}

}  // namespace gtest_dist
