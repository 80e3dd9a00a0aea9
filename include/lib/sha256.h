/*
 * sha256.h - SHA-256 (FIPS 180-4), for hashing what a loader put in guest memory.
 */
#ifndef BOOTSCOPE_SHA256_H
#define BOOTSCOPE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* hex gets 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
