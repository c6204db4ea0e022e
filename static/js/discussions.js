// A discussion thread's page: new posts appear live. The page socket (lyceum.js) follows the
// thread's topic and says when a post is added; the page then fetches the posts after the last
// one it shows (rendered by the server, as a reload would show them). After the socket
// reconnects it fetches the same way, so nothing posted while it was down is missed.
(function () {
  "use strict";
  var discussion = document.getElementById("discussion");
  if (!discussion) return;
  var threadId = parseInt(discussion.dataset.socketTopic.split(":")[1], 10);
  var fetching = false;
  var again = false;

  function lastPostId() {
    var ids = Array.prototype.map.call(document.querySelectorAll("#posts > [data-post-id]"), function (li) {
      return parseInt(li.dataset.postId, 10);
    });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  function fetchNewPosts() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(discussion.dataset.postsUrl + "?after=" + lastPostId(), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var list = document.getElementById("posts");
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var added = [];
        Array.prototype.forEach.call(holder.content.querySelectorAll("[data-post-id]"), function (li) {
          if (list && !document.getElementById(li.id)) {
            list.appendChild(li);
            added.push(li);
            if (window.htmx) window.htmx.process(li);
          }
        });
        var status = document.getElementById("posts-status");
        if (status && added.length) {
          status.textContent = interpolate(
            ngettext("New reply from %(name)s", "%(count)s new replies", added.length),
            { name: added[0].dataset.author, count: added.length }, true);
        }
      })
      .catch(function () { /* the next event or reconnect fetches again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; fetchNewPosts(); }
      });
  }

  document.addEventListener("lyceum:socket", function (event) {
    var data = event.detail;
    if (data.type === "discussion.post" && data.thread === threadId) fetchNewPosts();
  });
  // Whenever the socket (re)opens: what was posted since the page was rendered, or while
  // the socket was down.
  document.addEventListener("lyceum:socket-open", fetchNewPosts);
})();
