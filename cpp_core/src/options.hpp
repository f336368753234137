// options.hpp -- rule options in the blob: their encoding, and the merge of a login's matching
// rules' options into one value per kind and name.  Knows nothing of what an option means: the
// glue names it, values it and says how it merges.
#ifndef PG_AUTOUSER_CORE_OPTIONS_HPP
#define PG_AUTOUSER_CORE_OPTIONS_HPP

#include "blob.hpp"

#include <cstdint>
#include <vector>

namespace pg_autouser::core {

// Bytes a rule's options take in its record (the count included), or 0 if one of them cannot be
// encoded: a kind or merge the core does not know, an empty name, a NUL byte in a name or value,
// a field over 4 GiB, or options NULL with a non-zero count.
std::uint64_t options_size(const autouser_core_rule &rule) noexcept;

// Writes what options_size() counted.
void write_options(detail::Writer &w, const autouser_core_rule &rule) noexcept;

// The merged options of the rules added so far, in rule order.
class OptionMerge {
  public:
	// Adds the options of one matching rule; false if they are malformed.
	bool add(const detail::RuleRecord &rule);

	// Sorts by kind, then bytewise by name; call once, before the two below.
	void sort();
	std::size_t count() const noexcept { return merged_.size(); }
	// Bytes write() needs: per option, a kind byte and the NUL-terminated name and value.
	std::size_t output_bytes() const noexcept;
	// Writes the options to out; returns the position after them.
	char *write(char *out) const noexcept;

  private:
	std::vector<detail::OptionRecord> merged_;
};

} // namespace pg_autouser::core

#endif
