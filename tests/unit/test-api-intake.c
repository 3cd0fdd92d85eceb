/* Unit tests for api/api-intake.c: a submit's jobs survive the frame and
 * the codec, and texts that are not where a request says are refused. */
#include "unit.h"
#include "api.h"
#include "common.h"

static const char shared[] = "{\"name\":\"sw-\",\"command\":\"a \\\"b\\\"\"";

/* Three jobs: two of a sweep sharing one text, one of their own. */
static void
sample(struct store_job_new *j)
{
	memset(j, 0, 3 * sizeof *j);
	j[0].name = "sw-0";
	j[0].namespace = "alice";
	j[0].group = "sw";
	j[0].group_kind = "sweep";
	j[0].priority = 7;
	j[0].gpu_type = "RTX4090D";
	j[0].gpu_count = 2;
	j[0].replicas = 3;
	j[0].cpu_milli = 1500;
	j[0].memory_bytes = 1LL << 33;
	j[0].spec_shared = shared;
	j[0].spec_shared_len = sizeof shared - 1;
	j[0].spec_json = "0\"}";
	j[1] = j[0];
	j[1].name = "sw-1";
	j[1].spec_json = "1\"}";
	j[1].held = true;
	j[2].name = "plain \xc3\xa9";
	j[2].namespace = "bob";
	j[2].owner = "ta";
	j[2].replicas = 1;
	j[2].spec_json = "{\"name\":\"plain\"}";
}

/* Encodes, frames, reads the frame back and decodes. */
static void
test_round_trip(void **state)
{
	struct store_job_new in[3], *out;
	unsigned char hdr[API_INTAKE_HEADER];
	size_t ntexts, len, dlen, tlen, n, i;
	char *texts, *frame, *a, *b, *cause = NULL;
	json_t *req, *back;
	bool append = true;

	(void)state;
	sample(in);
	req = api_intake_request_encode(in, 3, false, &texts, &ntexts);
	assert_non_null(req);
	/* The shared text once, each job's own part once. */
	assert_int_equal(ntexts, sizeof shared + 4 + 4 + 17);
	frame = api_intake_frame(req, texts, ntexts, &len);
	assert_non_null(frame);
	memcpy(hdr, frame, sizeof hdr);
	assert_int_equal(api_intake_frame_lens(hdr, &dlen, &tlen), 0);
	assert_int_equal(len, sizeof hdr + dlen + tlen);
	assert_int_equal(tlen, ntexts);
	back = json_loadb(frame + sizeof hdr, dlen, 0, NULL);
	assert_non_null(back);
	assert_int_equal(api_intake_request_decode(back, frame + sizeof hdr +
	    dlen, tlen, &out, &n, &append, &cause), 0);
	assert_int_equal(n, 3);
	assert_false(append);
	for (i = 0; i < 3; i++) {
		assert_string_equal(out[i].name, in[i].name);
		assert_string_equal(out[i].namespace, in[i].namespace);
		assert_int_equal(out[i].priority, in[i].priority);
		assert_int_equal(out[i].gpu_count, in[i].gpu_count);
		assert_int_equal(out[i].replicas, in[i].replicas);
		assert_int_equal(out[i].cpu_milli, in[i].cpu_milli);
		assert_int_equal(out[i].memory_bytes, in[i].memory_bytes);
		assert_int_equal(out[i].held, in[i].held);
		a = store_job_new_spec(&in[i]);
		b = store_job_new_spec(&out[i]);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_null(out[0].owner);
	assert_string_equal(out[2].owner, "ta");
	assert_string_equal(out[1].group, "sw");
	assert_null(out[2].group);
	/* One pointer for the sweep's shared text, as store_submit needs
	 * to store it once. */
	assert_ptr_equal(out[0].spec_shared, out[1].spec_shared);
	free(out);
	json_decref(back);
	json_decref(req);
	free(frame);
	free(texts);
}

/* A request whose text references are wrong, one at a time. */
static void
test_bad_texts(void **state)
{
	static const char *const refs[] = { "[0,4]", "[2,1]", "[9,0]",
		"[-1,2]", "[0,2,3]", "\"x\"" };
	struct store_job_new *out;
	/* "ab" NUL, then "c" NUL d: [0,2] and [3,1] are texts, [0,4]
	 * holds a NUL, [2,1] is one, [9,0] is past the end. */
	static const char texts[] = "ab\0c\0d";
	char *cause = NULL, *doc;
	bool append;
	json_t *req;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		doc = xprintf("{\"v\":1,\"append\":false,\"jobs\":[{\"name\":"
		    "\"a\",\"namespace\":\"\",\"priority\":0,\"gpu_count\":0,"
		    "\"replicas\":1,\"cpu_milli\":0,\"memory_bytes\":0,"
		    "\"spec\":%s,\"held\":false}]}", refs[i]);
		req = json_loads(doc, 0, NULL);
		assert_non_null(req);
		assert_int_equal(api_intake_request_decode(req, texts,
		    sizeof texts - 1, &out, &n, &append, &cause), -1);
		assert_non_null(cause);
		free(cause);
		cause = NULL;
		json_decref(req);
		free(doc);
	}
	/* The good reference decodes. */
	req = json_loads("{\"v\":1,\"append\":true,\"jobs\":[{\"name\":\"a\","
	    "\"namespace\":\"\",\"priority\":0,\"gpu_count\":0,\"replicas\":1,"
	    "\"cpu_milli\":0,\"memory_bytes\":0,\"spec\":[3,1],\"held\":false"
	    "}]}", 0, NULL);
	assert_int_equal(api_intake_request_decode(req, texts,
	    sizeof texts - 1, &out, &n, &append, &cause), 0);
	assert_string_equal(out[0].spec_json, "c");
	assert_true(append);
	free(out);
	json_decref(req);
}

/* Frames past the bound, and replies. */
static void
test_bounds_and_reply(void **state)
{
	unsigned char big[API_INTAKE_HEADER] = { 0, 0x10, 0, 1, 0, 0, 0, 0 };
	unsigned char empty[API_INTAKE_HEADER] = { 0 };
	int64_t ids[2] = { 41, 42 }, back[2];
	char *cause = NULL;
	size_t d, t;
	json_t *r;

	(void)state;
	assert_int_equal(api_intake_frame_lens(big, &d, &t), -1);
	assert_int_equal(api_intake_frame_lens(empty, &d, &t), -1);
	r = api_intake_reply_encode(ids, 2);
	assert_int_equal(api_intake_reply_decode(r, back, 2, &cause), 0);
	assert_int_equal(back[0], 41);
	assert_int_equal(back[1], 42);
	assert_int_equal(api_intake_reply_decode(r, back, 3, &cause), -1);
	free(cause);
	json_decref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_texts),
		cmocka_unit_test(test_bounds_and_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
