#include "agent/windows/state_directory.h"

#include <windows.h>
// windows.h first: these need its types.
#include <aclapi.h>
#include <sddl.h>
#include <shlobj.h>

#include <array>
#include <string>
#include <system_error>

#include "agent/windows/windows_text.h"

namespace flowwatch::agent::windows {

namespace {

/// SHA-1 of `bytes` through the system's crypto provider.
Result<std::array<BYTE, 20>> sha1(const BYTE* bytes, DWORD size) {
    HCRYPTPROV provider = 0;
    if (!CryptAcquireContextW(&provider, nullptr, nullptr, PROV_RSA_FULL, CRYPT_VERIFYCONTEXT)) {
        return fail("hash service name: " + error_text(GetLastError()));
    }
    HCRYPTHASH hash = 0;
    std::array<BYTE, 20> digest{};
    DWORD digest_size = static_cast<DWORD>(digest.size());
    const bool hashed = CryptCreateHash(provider, CALG_SHA1, 0, 0, &hash) &&
                        CryptHashData(hash, bytes, size, 0) &&
                        CryptGetHashParam(hash, HP_HASHVAL, digest.data(), &digest_size, 0);
    const DWORD error = GetLastError();
    if (hash != 0) {
        CryptDestroyHash(hash);
    }
    CryptReleaseContext(provider, 0);
    if (!hashed || digest_size != digest.size()) {
        return fail("hash service name: " + error_text(error));
    }
    return digest;
}

}  // namespace

Result<std::filesystem::path> state_directory() {
    wchar_t* program_data = nullptr;
    const HRESULT result = SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &program_data);
    if (FAILED(result)) {
        CoTaskMemFree(program_data);
        return fail("find %ProgramData%: " + error_text(static_cast<DWORD>(result)));
    }
    std::filesystem::path directory = std::filesystem::path(program_data) / L"flowwatch";
    CoTaskMemFree(program_data);
    return directory;
}

Result<std::wstring> service_sid(std::wstring_view service_name) {
    // Windows hashes the upper-cased name as UTF-16LE and reads the digest as five
    // little-endian sub-authorities under S-1-5-80 (NT SERVICE).
    std::wstring upper(service_name);
    CharUpperBuffW(upper.data(), static_cast<DWORD>(upper.size()));
    auto digest = sha1(reinterpret_cast<const BYTE*>(upper.data()),
                       static_cast<DWORD>(upper.size() * sizeof(wchar_t)));
    if (!digest) {
        return std::unexpected(digest.error());
    }

    std::wstring sid = L"S-1-5-80";
    for (size_t part = 0; part < 5; ++part) {
        DWORD value = 0;
        for (size_t byte = 0; byte < 4; ++byte) {
            value |= static_cast<DWORD>((*digest)[part * 4 + byte]) << (8 * byte);
        }
        sid += L"-" + std::to_wstring(value);
    }
    return sid;
}

Result<void> lock_down_directory(const std::filesystem::path& directory,
                                 const std::wstring& service_sid) {
    const std::string target = narrow(directory.native());
    std::error_code created;
    std::filesystem::create_directories(directory, created);
    if (created) {
        return fail("create state directory " + target + ": " + created.message());
    }

    // Protected (P), so nothing is inherited from %ProgramData%, where Users may read and create;
    // OICI, so the database and anything an administrator puts there get the same ACL.
    const std::wstring sddl =
        L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;" + service_sid + L")";
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                              &descriptor, nullptr)) {
        return fail("build ACL for " + target + ": " + error_text(GetLastError()));
    }
    BOOL present = FALSE;
    BOOL defaulted = FALSE;
    PACL dacl = nullptr;
    GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);

    std::wstring path = directory.native();
    const DWORD status =
        SetNamedSecurityInfoW(path.data(), SE_FILE_OBJECT,
                              DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                              nullptr, nullptr, dacl, nullptr);
    LocalFree(descriptor);
    if (status != ERROR_SUCCESS) {
        return fail("set ACL on " + target + ": " + error_text(status));
    }
    return {};
}

}  // namespace flowwatch::agent::windows
