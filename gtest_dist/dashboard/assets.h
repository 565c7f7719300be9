// The dashboard's static files, compiled into the binary at build time
// (cmake/embed_assets.cmake writes the table from gtest_dist/dashboard/assets/):
// a dashboard needs no files beside the binary, no CDN and no network.
#ifndef GTEST_DIST_DASHBOARD_ASSETS_H_
#define GTEST_DIST_DASHBOARD_ASSETS_H_

#include <cstddef>
#include <string_view>

namespace gtest_dist::dashboard {

struct Asset {
  std::string_view path;  // relative to assets/, e.g. "app.js"
  std::string_view content_type;
  std::string_view data;
};

// The asset at `path`, or nullptr.
const Asset* FindAsset(std::string_view path);

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_ASSETS_H_
