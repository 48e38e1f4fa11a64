/* Ages, sizes, times and counts as the screen and the CLI print them. */

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "harness.h"
#include "model.h"

static void test_age(void) {
	static const struct {
		int64_t seconds;
		const char *want;
	} cases[] = {
		{ -5, "0s" },
		{ 0, "0s" },
		{ 59, "59s" },
		{ 60, "1m" },
		{ 3599, "59m" },
		{ 3600, "1h" },
		{ 47 * 3600 + 3599, "47h" },
		{ 48 * 3600, "2d" },
		{ 5 * 86400, "5d" },
		{ 999 * 86400, "999d" },
		{ 1000 * 86400, "2y" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[MR_FORMAT_MAX];
		mr_format_age(out, cases[i].seconds);
		T_STR(out, cases[i].want, "age %lld", (long long)cases[i].seconds);
		T_OK(strlen(out) <= 4, "age %lld fits 4 columns (\"%s\")",
			(long long)cases[i].seconds, out);
	}
}

static void test_duration(void) {
	static const struct {
		int64_t seconds;
		const char *want;
	} cases[] = {
		{ 8, "8s" },
		{ 750, "12m 30s" },
		{ 7500, "2h 05m" },
		{ 158400, "1d 20h" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[MR_FORMAT_MAX];
		mr_format_duration(out, cases[i].seconds);
		T_STR(out, cases[i].want, "duration %lld", (long long)cases[i].seconds);
	}
}

static void test_size(void) {
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 340, "340" },
		{ 1023, "1023" },
		{ 1024, "1.0K" },
		{ 1229, "1.2K" },
		{ 10188, "9.9K" },
		{ 10189, "10K" },
		{ 15360, "15K" },
		{ 1048575, "1.0M" },
		{ 3565158, "3.4M" },
		{ 18000000, "17M" },
		{ 5368709120u, "5.0G" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[MR_FORMAT_MAX];
		mr_format_size(out, cases[i].bytes);
		T_STR(out, cases[i].want, "size %llu", (unsigned long long)cases[i].bytes);
		T_OK(strlen(out) <= 4, "size %llu fits 4 columns (\"%s\")",
			(unsigned long long)cases[i].bytes, out);
	}
}

static void test_times(void) {
	char out[MR_FORMAT_MAX];
	mr_format_time(out, 1795435200);
	T_STR(out, "2026-11-23 12:00:00", "time in UTC");
	mr_format_time(out, MR_TIME_UNKNOWN);
	T_STR(out, "unknown", "unknown time");
	mr_format_clock(out, 1795435200 + 3723);
	T_STR(out, "13:02:03", "clock");
	mr_format_relative(out, 1000 + 750, 1000);
	T_STR(out, "in 12m 30s", "relative future");
	mr_format_relative(out, 1000, 1000 + 7500);
	T_STR(out, "2h 05m ago", "relative past");
	mr_format_relative(out, 1000, 1000);
	T_STR(out, "now", "relative now");
}

static void test_count(void) {
	static const struct {
		uint64_t n;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 999, "999" },
		{ 1000, "1,000" },
		{ 1234567, "1,234,567" },
		{ 100000, "100,000" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[MR_FORMAT_MAX];
		mr_format_count(out, cases[i].n);
		T_STR(out, cases[i].want, "count %llu", (unsigned long long)cases[i].n);
	}
}

int main(void) {
	setenv("TZ", "UTC", 1);
	test_age();
	test_duration();
	test_size();
	test_times();
	test_count();
	return t_done();
}
