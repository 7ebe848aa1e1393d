package guest

import (
	"fmt"
	"io"
)

// cpioWriter writes the "newc" cpio format the kernel unpacks as an
// initramfs (usr/gen_init_cpio.c, init/initramfs.c): for each entry a
// 110-byte ASCII header, the name with its NUL padded to 4 bytes, then the
// data padded to 4 bytes; a "TRAILER!!!" entry ends the archive.
type cpioWriter struct {
	w   io.Writer
	ino uint32
	err error
}

// cpio mode bits (stat.h).
const (
	cpioDir  = 0o040000
	cpioReg  = 0o100000
	cpioChr  = 0o020000
	cpioMode = 0o7777
)

func (c *cpioWriter) entry(name string, mode uint32, rdevMajor, rdevMinor uint32, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := 1
	if mode&cpioDir != 0 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdevMajor, rdevMinor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write(append([]byte(name), 0))
	c.pad(len(hdr) + len(name) + 1)
	c.write(data)
	c.pad(len(data))
}

func (c *cpioWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *cpioWriter) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// Dir, File, CharDev and Close add entries; the first error sticks and
// Close returns it.
func (c *cpioWriter) Dir(name string) { c.entry(name, cpioDir|0o755, 0, 0, nil) }
func (c *cpioWriter) File(name string, perm uint32, data []byte) {
	c.entry(name, cpioReg|perm&cpioMode, 0, 0, data)
}
func (c *cpioWriter) CharDev(name string, major, minor uint32) {
	c.entry(name, cpioChr|0o600, major, minor, nil)
}
func (c *cpioWriter) Close() error {
	c.entry("TRAILER!!!", 0, 0, 0, nil)
	return c.err
}

// writeInitramfs writes an initramfs whose /init is initBinary: the
// directories the init mounts on and /dev/console, which the kernel opens
// for init's fds 0, 1 and 2 before any devtmpfs exists.
func writeInitramfs(w io.Writer, initBinary []byte) error {
	c := &cpioWriter{w: w}
	for _, d := range []string{"dev", "proc", "sys", "tmp", "root"} {
		c.Dir(d)
	}
	c.CharDev("dev/console", 5, 1)
	c.File("init", 0o755, initBinary)
	return c.Close()
}
