# The event log's message table, compiled into flowwatch.exe so the viewer shows each event's text:
# the message compiler (mc.exe, or mingw's windmc) turns event_messages.mc into a resource script
# and its binary, and the resource compiler links them in. agent/CMakeLists.txt includes this on
# Windows, after it defines the flowwatch target.
enable_language(RC)
find_program(FLOWWATCH_MESSAGE_COMPILER NAMES mc windmc x86_64-w64-mingw32-windmc REQUIRED)
set(flowwatch_messages_dir ${CMAKE_CURRENT_BINARY_DIR}/event_messages)
add_custom_command(
  OUTPUT ${flowwatch_messages_dir}/event_messages.rc ${flowwatch_messages_dir}/event_messages.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${flowwatch_messages_dir}
  COMMAND ${FLOWWATCH_MESSAGE_COMPILER} -h ${flowwatch_messages_dir} -r ${flowwatch_messages_dir}
          ${CMAKE_CURRENT_LIST_DIR}/event_messages.mc
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/event_messages.mc
  COMMENT "Compiling the event log's message table")
target_sources(flowwatch PRIVATE ${flowwatch_messages_dir}/event_messages.rc)
