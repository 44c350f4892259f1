// What every fuzz target checks with: an invariant that does not hold is a
// finding, so it aborts (libFuzzer keeps the input as a crash file) after
// saying which one and where.
#pragma once

#include <cstdio>
#include <cstdlib>

#define SY_FUZZ_CHECK(cond)                                                                  \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)
