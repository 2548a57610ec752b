// One declaration for an enum whose values have fixed text labels (metric
// label values, event fields). LIST is an X-macro of X(name, "label")
// entries; SIPSCOPE_LABELLED_ENUM(Type, LIST, kCount, kLabels) declares
//   enum class Type : uint8_t { name, ... };
//   inline constexpr std::size_t kCount;                      // entries
//   inline constexpr std::array<std::string_view, kCount> kLabels;
//   constexpr std::string_view label(Type);
// so that a value, its label and the count can never disagree.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#define SIPSCOPE_ENUM_NAME_ENTRY(name, text) name,
#define SIPSCOPE_ENUM_LABEL_ENTRY(name, text) text,
#define SIPSCOPE_ENUM_COUNT_ENTRY(name, text) +1

#define SIPSCOPE_LABELLED_ENUM(Type, LIST, kCount, kLabels)                            \
    enum class Type : uint8_t { LIST(SIPSCOPE_ENUM_NAME_ENTRY) };                       \
    inline constexpr std::size_t kCount = 0 LIST(SIPSCOPE_ENUM_COUNT_ENTRY);             \
    inline constexpr std::array<std::string_view, kCount> kLabels = {                   \
        LIST(SIPSCOPE_ENUM_LABEL_ENTRY)};                                               \
    constexpr std::string_view label(Type value) { return kLabels[static_cast<std::size_t>(value)]; }
