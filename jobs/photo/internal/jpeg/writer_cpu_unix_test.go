//go:build unix

package jpeg

import (
	"syscall"
	"time"
)

// encProcessCPU returns the CPU time (user + system) this process has used.
func encProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
