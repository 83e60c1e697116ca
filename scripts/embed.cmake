# skvm_embed(OUT SYMBOL FILES): generate a C file with each file's bytes and a lookup table
#   const SkEmbedded SYMBOL[] = {{"name", data, size}, ..., {NULL, NULL, 0}};
# The name is the file's basename. See core/embed.h for the type.
function(skvm_embed out symbol files)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${symbol} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/scripts/embed_run.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/scripts/embed_run.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
endfunction()
