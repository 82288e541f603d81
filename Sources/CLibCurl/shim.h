#include <curl/curl.h>
#include <sys/socket.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// wrapper per kind of argument.
static inline CURLcode insikt_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode insikt_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode insikt_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*insikt_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode insikt_curl_setopt_write_function(CURL *handle, insikt_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
typedef curl_socket_t (*insikt_curl_open_socket_callback)(void *context, curlsocktype purpose, struct curl_sockaddr *address);
static inline CURLcode insikt_curl_setopt_open_socket_function(CURL *handle, insikt_curl_open_socket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}
static inline CURLcode insikt_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
// The command-line client (Sources/Client) streams a file with a read callback and follows the
// bytes sent with a progress callback.
typedef size_t (*insikt_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode insikt_curl_setopt_read_function(CURL *handle, insikt_curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
typedef int (*insikt_curl_xferinfo_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                             curl_off_t upload_total, curl_off_t upload_now);
static inline CURLcode insikt_curl_setopt_xferinfo_function(CURL *handle, insikt_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
// The webhook dispatcher drives its transfers with the multi interface.
static inline CURLMcode insikt_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLcode insikt_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
