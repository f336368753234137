// blob.hpp -- the rule-set blob format: bounds-checked little-endian reader/writer and record
// parsing.  Knows field layout only; no glob matching, no template expansion.
//
// Layout (all integers little-endian, no padding, no pointers):
//   header  : "PGAU" | u32 version (2) | u32 n_rules | u32 body_len   (blob_len == 16 + body_len)
//   record  : u32 record_len (bytes after this field) | i64 id | str identity | str database
//             | u8 has_cert_ou (0/1) | str cert_ou | u32 n_roles | n_roles x str role
//             | u32 n_options | n_options x option
//   option  : u8 kind (0/1) | str name (non-empty) | str value | u8 merge (0/1) | i64 rank;
//             name and value hold no NUL byte
//   str     : u32 len | len bytes
// The body is exactly n_rules records; each record's fields fill exactly record_len bytes.
#ifndef PG_AUTOUSER_CORE_BLOB_HPP
#define PG_AUTOUSER_CORE_BLOB_HPP

#include "detail.hpp"

#include <cstdint>

namespace pg_autouser::core::detail {

constexpr std::string_view kBlobMagic = "PGAU";
constexpr std::uint32_t kBlobVersion = 2;
constexpr std::size_t kBlobHeaderBytes = 16;

// Reads fixed-width fields from a byte range; every read checks bounds and fails softly.
// Inline: evaluation calls these for every field of every rule.
class Reader {
  public:
	explicit Reader(std::string_view bytes) noexcept : bytes_(bytes) {}

	bool read_u8(std::uint8_t &v) noexcept {
		if (bytes_.size() - pos_ < 1)
			return false;
		v = static_cast<std::uint8_t>(bytes_[pos_++]);
		return true;
	}

	bool read_u32(std::uint32_t &v) noexcept {
		if (bytes_.size() - pos_ < 4)
			return false;
		const auto *p = reinterpret_cast<const unsigned char *>(bytes_.data() + pos_);
		v = std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
		    std::uint32_t{p[3]} << 24;
		pos_ += 4;
		return true;
	}

	bool read_i64(std::int64_t &v) noexcept {
		std::uint32_t lo = 0, hi = 0;
		if (bytes_.size() - pos_ < 8 || !read_u32(lo) || !read_u32(hi))
			return false;
		// Modular conversion: the C++20 rule, and what g++/clang++ do in C++17.
		v = static_cast<std::int64_t>(std::uint64_t{hi} << 32 | lo);
		return true;
	}

	bool read_bytes(std::size_t n, std::string_view &v) noexcept {
		if (bytes_.size() - pos_ < n)
			return false;
		v = std::string_view(bytes_.data() + pos_, n);
		pos_ += n;
		return true;
	}

	bool read_str(std::string_view &v) noexcept { // u32 length, then the bytes
		std::uint32_t len = 0;
		return read_u32(len) && read_bytes(len, v);
	}

	bool at_end() const noexcept { return pos_ == bytes_.size(); }
	std::string_view remaining() const noexcept {
		return std::string_view(bytes_.data() + pos_, bytes_.size() - pos_);
	}

  private:
	std::string_view bytes_;
	std::size_t pos_ = 0;
};

// Writes fixed-width fields; the caller sized the buffer beforehand.
class Writer {
  public:
	explicit Writer(char *out) noexcept : out_(out) {}

	void write_u8(std::uint8_t v) noexcept;
	void write_u32(std::uint32_t v) noexcept;
	void write_i64(std::int64_t v) noexcept;
	void write_bytes(std::string_view v) noexcept;
	void write_str(std::string_view v) noexcept; // u32 length, then the bytes
	char *position() const noexcept { return out_; }

  private:
	char *out_;
};

// One decoded record; the views point into the blob.
struct RuleRecord {
	std::int64_t id = 0;
	std::string_view identity;
	std::string_view database;
	std::string_view cert_ou;
	bool has_cert_ou = false;
	std::uint32_t n_roles = 0;
	std::string_view roles; // n_roles consecutive str fields, already bounds-checked
	std::uint32_t n_options = 0;
	std::string_view options; // n_options consecutive option fields, already validated
};

// One decoded option; the views point into the blob.
struct OptionRecord {
	std::uint8_t kind = 0;
	std::string_view name;
	std::string_view value;
	std::uint8_t merge = 0;
	std::int64_t rank = 0;
};

// Reads and validates the next option of a record's options.
bool read_option(Reader &r, OptionRecord &option) noexcept;

// Checks magic, version and total length; leaves body positioned at the first record.
bool read_blob_header(std::string_view blob, std::uint32_t &n_rules,
                      std::string_view &body) noexcept;

// Reads and fully validates the next record.
bool read_rule_record(Reader &body, RuleRecord &record) noexcept;

} // namespace pg_autouser::core::detail

#endif
