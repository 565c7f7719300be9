#include "gtest_dist/model/artifact.h"

#include <sstream>

namespace gtest_dist {

std::string ArtifactTestDirName(const std::string& full_name) {
  std::string name;
  for (char c : full_name) {
    if (c == '%') {
      name += "%25";
    } else if (c == '/') {
      name += "%2F";
    } else {
      name += c;
    }
  }
  return name;
}

std::vector<ArtifactLink> ArtifactLinksOf(const std::vector<Property>& properties,
                                          const std::string& artifacts_dir) {
  std::vector<ArtifactLink> links;
  const std::string prefix = kArtifactPropertyPrefix;
  const std::string dir = artifacts_dir + "/";
  for (const auto& [key, value] : properties) {
    if (key.compare(0, prefix.size(), prefix) != 0 || key.size() == prefix.size()) continue;
    if (artifacts_dir.empty() || value.compare(0, dir.size(), dir) != 0) continue;
    links.push_back({key.substr(prefix.size()), value.substr(dir.size())});
  }
  return links;
}

std::string EncodeArtifactLinks(const std::vector<ArtifactLink>& links) {
  std::string text;
  for (const ArtifactLink& link : links) {
    // Names never hold a control byte (protocol::CheckArtifactName).
    text += link.name + "\t" + link.relative_path + "\n";
  }
  return text;
}

std::vector<ArtifactLink> DecodeArtifactLinks(const std::string& text) {
  std::vector<ArtifactLink> links;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    links.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return links;
}

}  // namespace gtest_dist
