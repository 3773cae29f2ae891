# civiup_embed_text(TARGET NAMESPACE NAME FILE): compiles FILE's bytes into
# TARGET as `const std::string_view NAMESPACE::NAME` (see embed_text.cmake),
# regenerated whenever FILE changes.
function(civiup_embed_text target namespace name file)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded/${name}.cpp)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DNAMESPACE=${namespace} -DNAME=${name}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${file}" VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
