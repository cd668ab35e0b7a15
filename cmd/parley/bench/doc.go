// Package bench is "parley bench", the benchmark suite. Each workload
// seeds a data folder through the product's services, starts a fresh
// server (the parley binary's "serve") on loopback on it, drives it with a
// load generator in this process, and reports throughput, latencies,
// errors and the server's CPU time and peak memory. Every workload runs
// several times and reports the median of each figure.
package bench
