/*
 * fuzz_frame.c: the framer on arbitrary bytes, fed in arbitrary pieces.
 *
 * Byte 0 picks the mode (LINE, DOT, COUNT) and the line cap, byte 1 the
 * piece size; the rest is the input.  Invariants: an item never claims
 * more bytes than were fed, every byte is accounted for (items' wire +
 * skipped + still buffered = fed), and an item's content fits line_max.
 */
#include <stdint.h>
#include <stdlib.h>

#include <event2/buffer.h>

#include "fakes/frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer		*in;
	struct frame		 f;
	struct frame_item	 it;
	size_t			 line_max, piece, off = 0, n, i;
	uint64_t		 wire = 0;
	volatile unsigned	 sum = 0;

	if (size < 2)
		return 0;
	line_max = 1 + (data[0] >> 2);
	piece = 1 + data[1];
	in = evbuffer_new();
	frame_init(&f, line_max);
	if ((data[0] & 3) == 1)
		frame_mode_dot(&f, in);
	else if ((data[0] & 3) == 2)
		frame_mode_count(&f, in, data[1]);
	data += 2;
	size -= 2;
	while (off < size) {
		n = size - off < piece ? size - off : piece;
		evbuffer_add(in, data + off, n);
		off += n;
		while (frame_next(&f, in, &it) == 1) {
			if (it.len > line_max && !(it.flags & FRAME_DATA))
				abort();
			if (it.len + it.eol > it.wire + 1)
				abort();
			wire += it.wire;
			if (wire > off)
				abort();
			/* Touch every byte the item points at (ASan). */
			for (i = 0; i < it.len + it.eol; i++)
				sum += (unsigned char)it.p[i];
		}
		frame_release(&f, in);
	}
	if (wire + f.skipped + evbuffer_get_length(in) != size)
		abort();
	frame_fini(&f);
	evbuffer_free(in);
	return 0;
}
