# cmake -DOUT=header.h -DFILES="a;b" -P embed_files.cmake: a header holding each file's bytes as a
# string constant, for the web viewer's assets compiled into n2g (src/app/site.cpp).
set(body "// Generated from tools/viewer by cmake/embed_files.cmake: do not edit.\n#pragma once\n#include <string_view>\n#include <utility>\nnamespace n2g::viewer {\ninline const std::pair<const char*, std::string_view> kAssets[] = {\n")
foreach(file ${FILES})
  get_filename_component(name ${file} NAME)
  file(READ ${file} content HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${content}")
  string(LENGTH "${content}" hex_length)
  math(EXPR length "${hex_length} / 2")
  set(body "${body}    {\"${name}\", std::string_view(\"${escaped}\", ${length})},\n")
endforeach()
set(body "${body}};\n}  // namespace n2g::viewer\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
