package guest

import "syscall"

var CheckStatic = checkStatic

// Freeze stops the emulator, as a guest that hangs.
func (g *Guest) Freeze() { syscall.Kill(g.m.cmd.Process.Pid, syscall.SIGSTOP) }

// Exited is closed when the emulator has ended.
func (g *Guest) Exited() <-chan struct{} { return g.m.done }
