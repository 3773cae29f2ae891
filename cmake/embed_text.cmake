# cmake -DIN=FILE -DOUT=FILE.cpp -DNAMESPACE=ns -DNAME=kName -P embed_text.cmake
# Writes a C++ file defining `const std::string_view NAMESPACE::NAME` that
# holds IN's bytes (a raw string literal), for text files a program ships
# inside its binary (civiup's PHP programs, the test bed's PHP files).
file(READ "${IN}" content)
string(FIND "${content}" ")civiup_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string delimiter )civiup_embed\"")
endif()
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by cmake/embed_text.cmake: edit that file, not this one.\n"
  "#include <string_view>\n\n"
  "namespace ${NAMESPACE} {\n"
  "extern const std::string_view ${NAME};\n"
  "const std::string_view ${NAME} = R\"civiup_embed(${content})civiup_embed\";\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
