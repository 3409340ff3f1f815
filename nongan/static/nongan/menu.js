// On a phone the menu is one row that scrolls sideways: bring the current page's link into it.
(function () {
  var here = document.querySelector('.menu [aria-current="page"]');
  if (here && here.parentElement.scrollWidth > here.parentElement.clientWidth) {
    here.scrollIntoView({ block: "nearest", inline: "center" });
  }
})();
