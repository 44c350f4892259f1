# Helpers shared by every component's CMakeLists.txt.

# sy_add_test(NAME SOURCES... LIBS...): a gtest binary registered with CTest,
# labelled "unit" (no root, no EAL).
function(sy_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${SY_WARNINGS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

# sy_generate_proto(TARGET NAME PROTO_ROOT DIR PROTOS files...): a static
# library of the protobuf and gRPC C++ code generated from PROTOS (paths
# relative to PROTO_ROOT) into the build tree; never committed.
function(sy_generate_proto)
  cmake_parse_arguments(ARG "" "TARGET;PROTO_ROOT" "PROTOS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out})
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(gen ${out}/${base}.pb.cc ${out}/${base}.pb.h ${out}/${base}.grpc.pb.cc ${out}/${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${gen}
      COMMAND protobuf::protoc
        --proto_path=${ARG_PROTO_ROOT} --cpp_out=${out} --grpc_out=${out}
        --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
        ${ARG_PROTO_ROOT}/${proto}
      DEPENDS ${ARG_PROTO_ROOT}/${proto} protobuf::protoc gRPC::grpc_cpp_plugin
      COMMENT "protoc ${proto}")
    list(APPEND srcs ${out}/${base}.pb.cc ${out}/${base}.grpc.pb.cc)
  endforeach()
  add_library(${ARG_TARGET} STATIC ${srcs})
  target_include_directories(${ARG_TARGET} SYSTEM PUBLIC ${out})
  target_link_libraries(${ARG_TARGET} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
endfunction()
