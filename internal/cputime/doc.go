// Package cputime reads how much CPU time the process has used, for
// benchmarks that report CPU time per operation beside wall-clock rates:
// on cores shared with other processes, CPU time is the steadier figure.
package cputime
