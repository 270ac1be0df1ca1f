# CPack pre-build script: the static libraries go into the package without debug info (a
# RelWithDebInfo libepmock.a is ten times its code). Runs on CPack's staging directory.
file(GLOB_RECURSE _epmock_static_libs "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(_lib IN LISTS _epmock_static_libs)
  execute_process(COMMAND strip --strip-debug "${_lib}" RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "strip --strip-debug ${_lib} failed")
  endif()
endforeach()
