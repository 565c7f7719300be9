#include "gtest_dist/protocol/frame_connection.h"

namespace gtest_dist {

// The two instantiations, compiled once.
template class FrameConnection<NetStream>;
template class FrameConnection<boost::asio::local::stream_protocol::socket>;

}  // namespace gtest_dist
