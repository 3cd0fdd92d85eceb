/* Unit tests for server/server-ui.c: which names below /ui/ may be opened
 * (after percent-decoding, which the server does first). */
#include "unit.h"
#include "server-int.h"

/* Plain names and subdirectories are fine. */
static void
test_safe(void **state)
{
	(void)state;
	assert_true(server_ui_is_safe_name("index.html"));
	assert_true(server_ui_is_safe_name("app.js"));
	assert_true(server_ui_is_safe_name("img/logo-2_x.svg"));
	assert_true(server_ui_is_safe_name("a.b.c"));
}

/* Anything that could leave the directory, name a hidden file or a
 * directory, or hide a byte the file system treats specially, is not. */
static void
test_unsafe(void **state)
{
	static const char *const bad[] = { "", "..", ".", "../etc/passwd",
		"a/../../b", "a/..", "./index.html", ".hidden", "a/.git/config",
		"/etc/passwd", "a//b", "a/", "dir/", "a\\..\\b", "a%2e%2e",
		"a b", "caf\xc3\xa9.html", "a:b", "a\nb", "~root", NULL };
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		if (server_ui_is_safe_name(bad[i]))
			fail_msg("'%s' was taken as safe", bad[i]);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(server_ui_is_safe_name(longname));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_unsafe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
