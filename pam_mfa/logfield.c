/*
 * logfield.c - strings made safe for a log line's fields; see logfield.h.
 */
#include "config.h"

#include <string.h>

#include "logfield.h"

void
logfield_copy(char dst[LOGFIELD_MAX + 1], const char *src)
{
	size_t i;

	if (src == NULL || src[0] == '\0') {
		memcpy(dst, "-", 2);
		return;
	}
	for (i = 0; i < LOGFIELD_MAX && src[i] != '\0'; i++)
		dst[i] = src[i] > 0x20 && src[i] < 0x7f && src[i] != '=' ?
		    src[i] : '?';
	dst[i] = '\0';
}
