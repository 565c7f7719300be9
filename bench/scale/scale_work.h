// Runtime of the value-parameterised scale suite (bench/scale/gen_param_suite.py).
#pragma once

namespace scale {

// Sleeps the duration of test `id` from BENCH_SCALE_DURATIONS (nothing when
// the variable is unset or the file is shorter).
void Work(int id);

}  // namespace scale
