/*
 * Huffman-only deflate for PNG image data (see inference/png.py).
 *
 * zlib-ng's Huffman-only strategy runs at about 5 ns per byte here: it
 * records every literal in its symbol buffer, then reads the buffer back to
 * emit the codes, the general path that also serves matches. Image data
 * filtered by PNG's Sub filter is coded with literals alone, so this module
 * does only that: per block, count the bytes, build a length-limited Huffman
 * code and emit each byte's code through a 64-bit bit buffer.
 *
 * The output is raw deflate (RFC 1951) that ends on a byte boundary: after
 * the last block either an empty stored block (the sync flush that lets
 * independently coded bands join into one stream) or, for the stream's last
 * band, a final block. A block whose Huffman coding would not be smaller is
 * stored instead (noise, say).
 */

#define PY_SSIZE_T_CLEAN
/* The stable ABI of Python 3.11 (setup.py): one wheel serves 3.11 and later. */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per block: each gets its own code, so the code follows the image's
 * content band by band; a stored block holds at most 65535 bytes. */
#define BLOCK_BYTES 65535
#define LITERALS 257 /* the 256 byte values and end-of-block */
#define END_OF_BLOCK 256
#define MAX_CODE_BITS 15
#define CODE_LENGTH_SYMBOLS 19
#define MAX_CODE_LENGTH_BITS 7

/* The order in which the code-length code's lengths are sent (RFC 1951 3.2.7). */
static const uint8_t CODE_LENGTH_ORDER[CODE_LENGTH_SYMBOLS] = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

typedef struct {
    uint8_t *out;
    uint64_t bits;
    unsigned count; /* bits held in `bits`, always < 32 between calls */
} BitWriter;

static inline void put_bits(BitWriter *w, uint64_t value, unsigned length) {
    w->bits |= value << w->count;
    w->count += length;
    if (w->count >= 32) {
        uint32_t low = (uint32_t)w->bits;
        memcpy(w->out, &low, 4); /* little-endian: deflate's bit order */
        w->out += 4;
        w->bits >>= 32;
        w->count -= 32;
    }
}

/* Flush whole and partial bytes: the writer then stands on a byte boundary. */
static void align_to_byte(BitWriter *w) {
    while (w->count > 0) {
        *w->out++ = (uint8_t)w->bits;
        w->bits >>= 8;
        w->count = w->count > 8 ? w->count - 8 : 0;
    }
    w->bits = 0;
}

static uint32_t reverse_bits(uint32_t code, unsigned length) {
    uint32_t reversed = 0;
    for (unsigned i = 0; i < length; i++) {
        reversed = (reversed << 1) | (code & 1);
        code >>= 1;
    }
    return reversed;
}

typedef struct {
    uint64_t weight;
    int index; /* < symbols: a leaf; otherwise an inner node */
} Node;

static int by_weight(const void *a, const void *b) {
    const Node *x = a, *y = b;
    if (x->weight != y->weight) return x->weight < y->weight ? -1 : 1;
    return x->index - y->index;
}

/*
 * Code lengths of at most `max_bits` for `symbols` frequencies (zero: no
 * code). Huffman's construction with two queues over the leaves sorted by
 * weight; then, where a leaf came out deeper than `max_bits`, the counts per
 * length are adjusted until Kraft's sum is one again and the lengths are
 * handed out anew, shortest to the most frequent.
 */
static void code_lengths(const uint64_t *freq, int symbols, unsigned max_bits, uint8_t *lengths) {
    Node leaves[LITERALS];
    uint64_t inner_weight[LITERALS];
    int parent[2 * LITERALS];
    int used = 0;
    memset(lengths, 0, (size_t)symbols);
    for (int s = 0; s < symbols; s++) {
        if (freq[s]) {
            leaves[used].weight = freq[s];
            leaves[used].index = s;
            used++;
        }
    }
    if (used == 0) return;
    if (used == 1) { /* a complete code needs two codes: add a sibling */
        int other = leaves[0].index == 0 ? 1 : 0;
        lengths[leaves[0].index] = 1;
        lengths[other] = 1;
        return;
    }
    qsort(leaves, (size_t)used, sizeof(Node), by_weight);
    /* Nodes 0..used-1 are the leaves (sorted), used.. the inner nodes in the
     * order they are made (their weights never decrease). */
    int next_leaf = 0, next_inner = 0, inners = 0;
    for (int made = 0; made < used - 1; made++) {
        int pick[2];
        uint64_t sum = 0;
        for (int k = 0; k < 2; k++) {
            int take_leaf = next_leaf < used &&
                            (next_inner >= inners || leaves[next_leaf].weight <= inner_weight[next_inner]);
            if (take_leaf) {
                pick[k] = next_leaf;
                sum += leaves[next_leaf++].weight;
            } else {
                pick[k] = used + next_inner;
                sum += inner_weight[next_inner++];
            }
        }
        inner_weight[inners] = sum;
        parent[pick[0]] = parent[pick[1]] = used + inners;
        inners++;
    }
    /* Depths, from the root (the last inner node) down: a parent is made
     * after its children, so walking backwards visits parents first. */
    int depth[2 * LITERALS];
    int root = used + inners - 1;
    depth[root] = 0;
    for (int node = root - 1; node >= 0; node--) depth[node] = depth[parent[node]] + 1;

    unsigned count_of[MAX_CODE_BITS + 1] = {0};
    int clamped = 0;
    for (int i = 0; i < used; i++) {
        unsigned d = (unsigned)depth[i];
        if (d > max_bits) {
            d = max_bits;
            clamped = 1;
        }
        count_of[d]++;
    }
    if (clamped) {
        /* Kraft's sum in units of 2^-max_bits: clamping pushed it over one
         * (over `full`). Move a leaf one level down from the deepest level
         * that has one above the limit (the smallest step) until it is at
         * most one, then up from the deepest levels while a step fits, until
         * it is exactly one: an incomplete code is invalid in deflate. */
        const uint64_t full = (uint64_t)1 << max_bits;
        uint64_t sum = 0;
        for (unsigned bits = 1; bits <= max_bits; bits++)
            sum += (uint64_t)count_of[bits] << (max_bits - bits);
        while (sum > full) {
            unsigned bits = max_bits - 1;
            while (count_of[bits] == 0) bits--;
            count_of[bits]--;
            count_of[bits + 1]++;
            sum -= (uint64_t)1 << (max_bits - bits - 1);
        }
        while (sum < full) {
            /* Units missing are even wherever no leaf is deeper (parity), so
             * a level whose step fits always exists. */
            unsigned bits = max_bits;
            while (count_of[bits] == 0 || ((uint64_t)1 << (max_bits - bits)) > full - sum) bits--;
            count_of[bits]--;
            count_of[bits - 1]++;
            sum += (uint64_t)1 << (max_bits - bits);
        }
        /* Hand the lengths out again: the rarest leaves (first in `leaves`)
         * get the longest codes. */
        int i = 0;
        for (unsigned bits = max_bits; bits >= 1; bits--) {
            for (unsigned n = 0; n < count_of[bits]; n++) lengths[leaves[i++].index] = (uint8_t)bits;
        }
        return;
    }
    for (int i = 0; i < used; i++) lengths[leaves[i].index] = (uint8_t)depth[i];
}

/* Canonical codes for `lengths`, bit-reversed for deflate's LSB-first packing. */
static void canonical_codes(const uint8_t *lengths, int symbols, uint32_t *codes) {
    unsigned count_of[MAX_CODE_BITS + 1] = {0};
    uint32_t next[MAX_CODE_BITS + 2];
    for (int s = 0; s < symbols; s++) count_of[lengths[s]]++;
    count_of[0] = 0;
    uint32_t code = 0;
    for (unsigned bits = 1; bits <= MAX_CODE_BITS; bits++) {
        code = (code + count_of[bits - 1]) << 1;
        next[bits] = code;
    }
    for (int s = 0; s < symbols; s++) {
        unsigned len = lengths[s];
        codes[s] = len ? reverse_bits(next[len]++, len) : 0;
    }
}

typedef struct {
    uint8_t symbol;
    uint8_t extra; /* the repeat count's extra bits' value */
} LengthToken;

/* The code lengths as run-length tokens (16: repeat the previous 3-6 times,
 * 17: 3-10 zeros, 18: 11-138 zeros). Returns the token count. */
static int run_length_tokens(const uint8_t *lengths, int count, LengthToken *tokens) {
    int n = 0;
    for (int i = 0; i < count;) {
        uint8_t value = lengths[i];
        int run = 1;
        while (i + run < count && lengths[i + run] == value) run++;
        int left = run;
        if (value == 0) {
            while (left >= 11) {
                int take = left > 138 ? 138 : left;
                tokens[n++] = (LengthToken){18, (uint8_t)(take - 11)};
                left -= take;
            }
            if (left >= 3) {
                tokens[n++] = (LengthToken){17, (uint8_t)(left - 3)};
                left = 0;
            }
        } else {
            tokens[n++] = (LengthToken){value, 0};
            left--;
            while (left >= 3) {
                int take = left > 6 ? 6 : left;
                tokens[n++] = (LengthToken){16, (uint8_t)(take - 3)};
                left -= take;
            }
        }
        while (left-- > 0) tokens[n++] = (LengthToken){value, 0};
        i += run;
    }
    return n;
}

static const uint8_t EXTRA_BITS[CODE_LENGTH_SYMBOLS] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7};

static void stored_block(BitWriter *w, const uint8_t *data, size_t size, int final) {
    put_bits(w, (uint64_t)(final ? 1 : 0), 3); /* BFINAL, BTYPE 00 */
    align_to_byte(w);
    uint16_t len = (uint16_t)size, nlen = (uint16_t)~len;
    w->out[0] = (uint8_t)len;
    w->out[1] = (uint8_t)(len >> 8);
    w->out[2] = (uint8_t)nlen;
    w->out[3] = (uint8_t)(nlen >> 8);
    memcpy(w->out + 4, data, size);
    w->out += 4 + size;
}

/* One block of literals with its own dynamic code, or stored where that is
 * no larger. */
static void literal_block(BitWriter *w, const uint8_t *data, size_t size, int final) {
    uint64_t freq[LITERALS] = {0};
    /* Four tables: consecutive equal bytes do not wait on one counter. */
    uint32_t part[4][256];
    memset(part, 0, sizeof part);
    size_t i = 0;
    for (; i + 4 <= size; i += 4) {
        part[0][data[i]]++;
        part[1][data[i + 1]]++;
        part[2][data[i + 2]]++;
        part[3][data[i + 3]]++;
    }
    for (; i < size; i++) part[0][data[i]]++;
    for (int s = 0; s < 256; s++) freq[s] = (uint64_t)part[0][s] + part[1][s] + part[2][s] + part[3][s];
    freq[END_OF_BLOCK] = 1;

    uint8_t lit_len[LITERALS];
    uint32_t lit_code[LITERALS];
    code_lengths(freq, LITERALS, MAX_CODE_BITS, lit_len);
    canonical_codes(lit_len, LITERALS, lit_code);

    /* The lengths sent: 257 literal/length codes, then two distance codes
     * of one bit (no distance is used, but a complete code is the safe form). */
    uint8_t all_lengths[LITERALS + 2];
    memcpy(all_lengths, lit_len, LITERALS);
    all_lengths[LITERALS] = all_lengths[LITERALS + 1] = 1;
    LengthToken tokens[LITERALS + 2];
    int token_count = run_length_tokens(all_lengths, LITERALS + 2, tokens);
    uint64_t cl_freq[CODE_LENGTH_SYMBOLS] = {0};
    for (int t = 0; t < token_count; t++) cl_freq[tokens[t].symbol]++;
    uint8_t cl_len[CODE_LENGTH_SYMBOLS];
    uint32_t cl_code[CODE_LENGTH_SYMBOLS];
    code_lengths(cl_freq, CODE_LENGTH_SYMBOLS, MAX_CODE_LENGTH_BITS, cl_len);
    canonical_codes(cl_len, CODE_LENGTH_SYMBOLS, cl_code);
    int cl_sent = CODE_LENGTH_SYMBOLS;
    while (cl_sent > 4 && cl_len[CODE_LENGTH_ORDER[cl_sent - 1]] == 0) cl_sent--;

    uint64_t coded_bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)cl_sent;
    for (int t = 0; t < token_count; t++)
        coded_bits += cl_len[tokens[t].symbol] + EXTRA_BITS[tokens[t].symbol];
    for (int s = 0; s < LITERALS; s++) coded_bits += freq[s] * lit_len[s];
    if (coded_bits / 8 + 1 >= size + 5) {
        stored_block(w, data, size, final);
        return;
    }

    put_bits(w, (uint64_t)(final ? 1 : 0) | (2u << 1), 3); /* BFINAL, BTYPE 10 */
    put_bits(w, LITERALS - 257, 5);                       /* HLIT */
    put_bits(w, 2 - 1, 5);                                /* HDIST */
    put_bits(w, (uint64_t)(cl_sent - 4), 4);              /* HCLEN */
    for (int k = 0; k < cl_sent; k++) put_bits(w, cl_len[CODE_LENGTH_ORDER[k]], 3);
    for (int t = 0; t < token_count; t++) {
        uint8_t s = tokens[t].symbol;
        put_bits(w, cl_code[s], cl_len[s]);
        if (EXTRA_BITS[s]) put_bits(w, tokens[t].extra, EXTRA_BITS[s]);
    }
    /* The hot loop: a table look-up per byte, three codes (at most 45 bits)
     * into the bit buffer, then its whole bytes out in one unaligned 8-byte
     * store, without a branch; at most 7 bits stay behind. */
    uint64_t table[256];
    for (int s = 0; s < 256; s++) table[s] = ((uint64_t)lit_code[s] << 8) | lit_len[s];
    uint64_t bits = w->bits;
    unsigned count = w->count;
    uint8_t *out = w->out;
    memcpy(out, &bits, 8);
    out += count >> 3;
    bits >>= count & ~7u;
    count &= 7;
    for (i = 0; i + 3 <= size; i += 3) {
        uint64_t e0 = table[data[i]], e1 = table[data[i + 1]], e2 = table[data[i + 2]];
        bits |= (e0 >> 8) << count;
        count += (unsigned)(e0 & 0xFF);
        bits |= (e1 >> 8) << count;
        count += (unsigned)(e1 & 0xFF);
        bits |= (e2 >> 8) << count;
        count += (unsigned)(e2 & 0xFF);
        memcpy(out, &bits, 8);
        out += count >> 3;
        bits >>= count & ~7u;
        count &= 7;
    }
    w->bits = bits;
    w->count = count;
    w->out = out;
    for (; i < size; i++) put_bits(w, table[data[i]] >> 8, (unsigned)(table[data[i]] & 0xFF));
    put_bits(w, lit_code[END_OF_BLOCK], lit_len[END_OF_BLOCK]);
}

/* Room for the output of `size` input bytes. A block is coded only when that
 * is smaller than storing it, and a stored block costs its bytes plus at
 * most 6 (3 header bits, padding to a byte, LEN and NLEN): so at most 6 bytes
 * over the input per block, 6 for the closing empty stored block, and 8 for
 * the hot loop's 8-byte stores reaching past the last byte written. */
static size_t output_bound(size_t size) {
    size_t blocks = size / BLOCK_BYTES + 1;
    return size + blocks * 8 + 64;
}

static void encode(const uint8_t *data, size_t size, int last, BitWriter *w) {
    if (size == 0) {
        /* Nothing to code: an empty stored block still ends the stream. */
        stored_block(w, data, 0, last);
        return;
    }
    for (size_t start = 0; start < size; start += BLOCK_BYTES) {
        size_t chunk = size - start < BLOCK_BYTES ? size - start : BLOCK_BYTES;
        int final_block = last && start + chunk == size;
        literal_block(w, data + start, chunk, final_block);
    }
    if (last) {
        align_to_byte(w);
    } else {
        stored_block(w, data, 0, 0); /* the sync flush: an empty stored block */
    }
}

static PyObject *huffman_deflate(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer view;
    int last = 0;
    if (!PyArg_ParseTuple(args, "y*p", &view, &last)) return NULL;
    size_t size = (size_t)view.len;
    /* Coded into a scratch buffer, then copied into the bytes object: the
     * stable ABI has no way to shrink one in place (the copy is a tenth of
     * the coding time). */
    uint8_t *scratch = malloc(output_bound(size));
    if (scratch == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    BitWriter writer = {scratch, 0, 0};
    Py_BEGIN_ALLOW_THREADS
    encode((const uint8_t *)view.buf, size, last, &writer);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = PyBytes_FromStringAndSize((const char *)scratch, writer.out - scratch);
    free(scratch);
    return result;
}

static PyMethodDef methods[] = {
    {"huffman_deflate", huffman_deflate, METH_VARARGS,
     "huffman_deflate(data, last) -> bytes\n\n"
     "Raw deflate of `data` with literals alone, ending on a byte boundary: a sync "
     "flush (an empty stored block) or, with `last`, the stream's final block."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_huffman", "Huffman-only deflate for PNG image data.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__huffman(void) { return PyModule_Create(&module_def); }
