//go:build !unix

package jpeg

import "time"

// encProcessCPU is not measured on this platform.
func encProcessCPU() time.Duration { return 0 }
