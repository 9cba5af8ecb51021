# Installation layout and packages. On Linux `cmake --build build --target package` makes a .deb
# (the binary, the systemd unit, an example configuration, maintainer scripts); on Windows the MSI
# comes from packaging/windows/flowwatch.wxs and CPack makes a ZIP of the same files.
if(FLOWWATCH_FUZZ)
  return()
endif()

set(CPACK_PACKAGE_NAME flowwatch)
set(CPACK_PACKAGE_VENDOR "flowwatch maintainers")
set(CPACK_PACKAGE_CONTACT "flowwatch maintainers <maintainers@flowwatch.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_STRIP_FILES ON)

if(WIN32)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/linux/flowwatch.json.example DESTINATION share/flowwatch)
  set(CPACK_GENERATOR ZIP)
else()
  set(flowwatch_debian ${PROJECT_SOURCE_DIR}/packaging/linux/debian)
  # Debian 12 still ships units under /lib (merged /usr makes it the same directory).
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/linux/flowwatch.service DESTINATION /lib/systemd/system)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/linux/flowwatch.json.example DESTINATION /etc/flowwatch)
  # The unit's Documentation= points here.
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/flowwatch)
  set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)

  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION admin)
  set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54~)")
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
      "Microsoft 365 audit monitor for suspect Power Automate activity\n"
      "flowwatch reads Microsoft 365 audit records from the Office 365 Management Activity API,\n"
      "keeps Power Automate baselines in SQLite and raises\n"
      "\"M365 Suspect Power Automate Activity\". It runs as the systemd unit flowwatch.service.")
  string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_DEBIAN_PACKAGE_DESCRIPTION}")
  set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
      ${flowwatch_debian}/postinst ${flowwatch_debian}/prerm ${flowwatch_debian}/postrm
      ${flowwatch_debian}/conffiles)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
endif()

include(CPack)
