#include "cli/table.h"

#include <algorithm>

namespace switchyard::ctl {

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& os) const {
  std::vector<size_t> widths;
  for (const Column& c : columns_) {
    widths.push_back(c.header.size());
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(widths[i] - cells[i].size(), ' ');
      if (i > 0) {
        line += "  ";
      }
      if (columns_[i].align == Align::kRight) {
        line += pad + cells[i];
      } else {
        line += cells[i] + pad;
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    os << line << '\n';
  };
  std::vector<std::string> header;
  for (const Column& c : columns_) {
    header.push_back(c.header);
  }
  print_row(header);
  for (const auto& row : rows_) {
    print_row(row);
  }
}

void PrintKeyValues(std::ostream& os,
                    const std::vector<std::pair<std::string, std::string>>& lines) {
  size_t width = 0;
  for (const auto& [key, value] : lines) {
    width = std::max(width, key.size());
  }
  for (const auto& [key, value] : lines) {
    os << key << ':' << std::string(width - key.size() + 1, ' ') << value << '\n';
  }
}

}  // namespace switchyard::ctl
