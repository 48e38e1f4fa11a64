#ifndef MR_FORMAT_H
#define MR_FORMAT_H

/* Short human forms of ages, sizes and times, shared by the screen and the CLI. */

#include <stddef.h>
#include <stdint.h>

enum { MR_FORMAT_MAX = 32 };

/* At most 4 columns: "45s", "12m", "23h", "47h", "12d". Negative (clock skew) is "0s". */
void mr_format_age(char out[MR_FORMAT_MAX], int64_t seconds);
/* Two units for the detail view: "1d 19h", "2h 05m", "12m 30s", "8s". */
void mr_format_duration(char out[MR_FORMAT_MAX], int64_t seconds);
/* At most 4 columns, binary multiples as ls -h: "340", "1.2K", "15K", "3.4M". */
void mr_format_size(char out[MR_FORMAT_MAX], uint64_t bytes);
/* Local time "2026-11-23 09:41:03", or "unknown" for MR_TIME_UNKNOWN. */
void mr_format_time(char out[MR_FORMAT_MAX], int64_t t);
/* Local time of day "09:41:03". */
void mr_format_clock(char out[MR_FORMAT_MAX], int64_t t);
/* "in 12m 30s", "3h 02m ago", "now" relative to now. */
void mr_format_relative(char out[MR_FORMAT_MAX], int64_t t, int64_t now);
/* A delay in hundredths of a second as Postfix writes it: "0.1", "5",
 * "0.01", "604650"; "?" for MR_DELAY_UNKNOWN. */
void mr_format_delay(char out[MR_FORMAT_MAX], uint32_t hundredths);
/* Digits grouped by thousands: "1,234,567". */
void mr_format_count(char out[MR_FORMAT_MAX], uint64_t n);

#endif
