// Package bench holds retort's SQLite performance benchmarks (bench_test.go)
// and bench/run.sh; bench/postgres and bench/mysql hold the other engines'.
// It exports nothing: the helpers the benchmarks share live in
// internal/benchkit.
//
// Every number the benchmarks report is a ratio against a lower bound
// measured in the same run on the same machine (the raw catalog read, the
// hand-written table rebuild), never a bare time: a ratio survives a slower
// machine, and nothing here is a timed test that can flake.
package bench
