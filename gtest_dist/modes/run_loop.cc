#include "gtest_dist/modes/run_loop.h"

#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>

#include "gtest_dist/base/wall_clock.h"

namespace gtest_dist {

int RunIterations(const SupervisorConfig& config, const ExecutorSettings& executors, RunPlan* plan,
                  const std::vector<RunListener*>& listeners, bool stop_at_failure,
                  const IterationHooks& hooks) {
  std::signal(SIGPIPE, SIG_IGN);
  bool failed = false;
  for (int iteration = 0; plan->repeat < 0 || iteration < plan->repeat; ++iteration) {
    plan->iteration = iteration;
    plan->start_timestamp_ms = NowEpochMs();
    boost::asio::io_context io;
    NetworkExecutorFactory factory(io, executors);
    Supervisor supervisor(io, config, *plan, factory);
    // Only while the iteration runs: between iterations (and after) the
    // signals have their usual effect.
    boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    stop_signals.async_wait([&supervisor](const boost::system::error_code& error, int signal) {
      if (!error) supervisor.Interrupt(signal == SIGINT ? "SIGINT" : "SIGTERM");
    });
    for (RunListener* listener : listeners) supervisor.AddListener(listener);
    // The ticker lives on the iteration's io_context: it stops with it and
    // never runs on another thread than the listeners.
    boost::asio::steady_timer ticker(io);
    std::function<void()> arm_ticker = [&]() {
      ticker.expires_after(hooks.tick_interval);
      ticker.async_wait([&](const boost::system::error_code& error) {
        if (error) return;
        hooks.tick(supervisor);
        arm_ticker();
      });
    };
    if (hooks.tick) arm_ticker();
    const int result = supervisor.Run();
    failed = failed || result != 0;
    if (!supervisor.run_problem().empty()) {
      std::fflush(stdout);
      std::fprintf(stderr, "gtest_dist: %s\n", supervisor.run_problem().c_str());
    }
    if (supervisor.interrupted()) break;
    if (stop_at_failure && result != 0) break;
    if (plan->shuffle) plan->random_seed = plan->random_seed >= 99999 ? 1 : plan->random_seed + 1;
  }
  return failed ? 1 : 0;
}

}  // namespace gtest_dist
