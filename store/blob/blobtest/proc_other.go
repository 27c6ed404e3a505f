//go:build !linux

package blobtest

import "os/exec"

// setDeathSignal does nothing where the kernel offers no parent-death signal.
func setDeathSignal(cmd *exec.Cmd) {}
