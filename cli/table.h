// Aligned text output for people: tables with a header row, and the
// "key: value" lines of the show verbs. Scripts should use --json instead;
// these layouts may change.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace switchyard::ctl {

class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Adds a row; missing cells are empty, extra cells are an error of the
  // caller and are dropped.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Prints the header and the rows, columns two spaces apart, numbers
  // right-aligned under their header, no trailing spaces.
  void Print(std::ostream& os) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints `key: value` lines with the values aligned.
void PrintKeyValues(std::ostream& os,
                    const std::vector<std::pair<std::string, std::string>>& lines);

}  // namespace switchyard::ctl
