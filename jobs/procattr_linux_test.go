package jobs_test

import (
	"os/exec"
	"syscall"
)

// dieWithParent has cmd's process killed when the benchmark's process
// ends, however it ends: a benchmark stopped by a signal or a time-out
// leaves no sandbox running behind it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
