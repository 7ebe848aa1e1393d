; ERRNO with data 0xffff: the kernel caps the errno at MAX_ERRNO (4095)
ret #0x0005ffff
